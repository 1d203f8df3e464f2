package io.cairn.cli;

/** What a command prints on stdout: {@code -o text} (the default) or {@code -o json}. */
enum OutputFormat {
  /** Tables and {@code OK ...} lines for people; {@code get} writes the value's bytes. */
  TEXT,
  /** One JSON document per command, for scripts; see {@link JsonOutput}. */
  JSON
}

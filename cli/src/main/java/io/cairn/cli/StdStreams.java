package io.cairn.cli;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;

/**
 * The standard streams cairnctl runs with, as bytes: values are read from {@code in} and written to
 * {@code out} exactly, without a charset in between. {@link CairnCtl#commandLine} puts picocli's
 * (character) writers over {@code out} and {@code err}, so text and bytes reach the same streams; a
 * command flushes the writer before it writes bytes.
 */
public record StdStreams(InputStream in, OutputStream out, OutputStream err) {
  public StdStreams {
    Objects.requireNonNull(in, "in");
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(err, "err");
  }

  /** The process's own stdin, stdout and stderr. */
  public static StdStreams system() {
    return new StdStreams(System.in, System.out, System.err);
  }
}

package io.cairn.tests.history;

/**
 * Builds one JSON object on one line. Just enough JSON for history files: string, integer and
 * boolean members and nested objects; fields are written in call order.
 */
final class JsonObjectWriter {

  private final StringBuilder out = new StringBuilder("{");
  private boolean first = true;

  JsonObjectWriter string(String name, String value) {
    name(name);
    quote(value);
    return this;
  }

  JsonObjectWriter number(String name, long value) {
    name(name);
    out.append(value);
    return this;
  }

  JsonObjectWriter bool(String name, boolean value) {
    name(name);
    out.append(value);
    return this;
  }

  JsonObjectWriter object(String name, JsonObjectWriter value) {
    name(name);
    out.append(value.toJson());
    return this;
  }

  String toJson() {
    return out + "}";
  }

  private void name(String name) {
    if (!first) {
      out.append(',');
    }
    first = false;
    quote(name);
    out.append(':');
  }

  private void quote(String text) {
    out.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          // Control characters and lone surrogates are escaped so every line is valid UTF-8 text.
          if (c < 0x20 || Character.isSurrogate(c) && !isPairedSurrogate(text, i)) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  private static boolean isPairedSurrogate(String text, int i) {
    char c = text.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
    }
    return i > 0 && Character.isHighSurrogate(text.charAt(i - 1));
  }
}

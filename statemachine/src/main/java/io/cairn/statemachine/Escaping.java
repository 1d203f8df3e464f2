package io.cairn.statemachine;

/**
 * Caller-supplied text made safe to put in a message or a log line: control and non-ASCII
 * characters become {@code \\uXXXX}, and the result is cut at {@link #CHARS_MAX}, so a name sent by
 * a hostile client can neither forge log lines nor flood them. Pure.
 */
public final class Escaping {
  static final int CHARS_MAX = 80;

  private Escaping() {}

  public static String printable(String s) {
    StringBuilder out = new StringBuilder(Math.min(s.length(), CHARS_MAX) + 8);
    for (int i = 0; i < s.length(); i++) {
      if (out.length() >= CHARS_MAX) {
        return out.append("...(").append(s.length()).append(" chars)").toString();
      }
      char c = s.charAt(i);
      if (c >= 0x20 && c < 0x7f && c != '\\') {
        out.append(c);
      } else {
        out.append(String.format("\\u%04x", (int) c));
      }
    }
    return out.toString();
  }
}

package io.cairn.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A message from elsewhere (an exception, a node's reason for an unreachable peer) reduced to one
 * line for stderr: no stack frames, no line breaks, and a rendered gRPC status ({@code
 * Status{code=.., description=.., cause=..}}, which carries the cause's whole stack trace) reduced
 * to {@code CODE: description: cause message}.
 */
final class OneLine {
  /**
   * A stack frame line: {@code \tat io.grpc.X.y(X.java:1)}; everything from the first one on is
   * dropped.
   */
  private static final Pattern STACK_FRAME = Pattern.compile("(?m)^\\s*at [\\w$./]+\\(");

  private static final Pattern GRPC_STATUS =
      Pattern.compile("^Status\\{code=([A-Z_]+), description=(.*?), cause=(.*?)}?$");

  /** {@code pkg.Class: message} or {@code pkg.Class}, the form of Throwable.toString(). */
  private static final Pattern THROWABLE =
      Pattern.compile("^(?:[A-Za-z_$][\\w$]*\\.)+([A-Za-z_$][\\w$]*)(?:: (.*))?$");

  private OneLine() {}

  static String of(String text) {
    if (text == null) {
      return "";
    }
    Matcher frame = STACK_FRAME.matcher(text);
    String head = frame.find() ? text.substring(0, frame.start()) : text;
    String line = head.replaceAll("\\s*\\R\\s*", " ").trim();
    Matcher status = GRPC_STATUS.matcher(line);
    return status.matches() ? ofStatus(status.group(1), status.group(2), status.group(3)) : line;
  }

  private static String ofStatus(String code, String description, String cause) {
    List<String> parts = new ArrayList<>(List.of(code));
    if (!description.equals("null") && !description.isBlank()) {
      parts.add(description);
    }
    if (!cause.equals("null") && !cause.isBlank()) {
      Matcher t = THROWABLE.matcher(cause);
      String message = !t.matches() ? cause : t.group(2) != null ? t.group(2) : t.group(1);
      if (!parts.contains(message)) {
        parts.add(message);
      }
    }
    return String.join(": ", parts);
  }
}

package io.cairn.tests.checker;

import io.cairn.tests.history.Operation;
import java.util.Locale;

/**
 * Prints operations for violation reports, with times in milliseconds since the history's first
 * invocation so that overlaps can be read at a glance.
 */
final class OperationFormat {

  private final long originNanos;

  OperationFormat(long originNanos) {
    this.originNanos = originNanos;
  }

  String describe(Operation operation) {
    String end =
        switch (operation.outcome()) {
          case OK -> "completed " + millis(operation.completeNanos()) + " OK " + operation.result();
          case FAIL ->
              "completed " + millis(operation.completeNanos()) + " FAIL " + operation.failure();
          case INFO ->
              "gave up "
                  + millis(operation.completeNanos())
                  + " INFO ("
                  + operation.infoReason()
                  + "; may take effect at any later time)";
        };
    return "#"
        + operation.id()
        + " p"
        + operation.process()
        + " "
        + operation.op()
        + " invoked "
        + millis(operation.invokeNanos())
        + " "
        + end;
  }

  private String millis(long nanos) {
    return String.format(Locale.ROOT, "%+.3fms", (nanos - originNanos) / 1e6);
  }
}

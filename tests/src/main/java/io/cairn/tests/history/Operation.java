package io.cairn.tests.history;

import java.util.Objects;

/**
 * One operation of a history: an {@link Op} invoked by a process, and how it ended.
 *
 * <p>Times are {@code System.nanoTime()}-based readings of one clock; only their order matters. For
 * an INFO operation {@code completeNanos} is when the client gave up; checkers treat its effect as
 * possible at any time after {@code invokeNanos}.
 *
 * @param id unique within the history
 * @param process the client (a sequential process: one operation at a time) that invoked it
 * @param result non-null exactly for OK; its variant answers {@code op.kind()}
 * @param failure non-null exactly for FAIL
 * @param infoReason non-null exactly for INFO
 */
public record Operation(
    long id,
    int process,
    Op op,
    long invokeNanos,
    long completeNanos,
    Outcome outcome,
    OpResult result,
    Failure failure,
    String infoReason) {

  public Operation {
    Objects.requireNonNull(op, "op");
    Objects.requireNonNull(outcome, "outcome");
    if (completeNanos < invokeNanos) {
      throw new IllegalArgumentException(
          "operation "
              + id
              + " completes at "
              + completeNanos
              + ", before its invocation at "
              + invokeNanos);
    }
    if ((outcome == Outcome.OK) != (result != null)
        || (outcome == Outcome.FAIL) != (failure != null)
        || (outcome == Outcome.INFO) != (infoReason != null)) {
      throw new IllegalArgumentException(
          "operation "
              + id
              + ": an OK carries a result, a FAIL a failure, an INFO a reason - exactly one");
    }
    if (result != null && !result.answers(op.kind())) {
      throw new IllegalArgumentException(
          "operation " + id + ": " + result + " is no answer to " + op);
    }
  }

  public static Operation ok(
      long id, int process, Op op, long invokeNanos, long completeNanos, OpResult result) {
    return new Operation(
        id, process, op, invokeNanos, completeNanos, Outcome.OK, result, null, null);
  }

  public static Operation fail(
      long id, int process, Op op, long invokeNanos, long completeNanos, Failure failure) {
    return new Operation(
        id, process, op, invokeNanos, completeNanos, Outcome.FAIL, null, failure, null);
  }

  public static Operation info(
      long id, int process, Op op, long invokeNanos, long completeNanos, String reason) {
    return new Operation(
        id, process, op, invokeNanos, completeNanos, Outcome.INFO, null, null, reason);
  }

  public String key() {
    return op.key();
  }

  public boolean isOk() {
    return outcome == Outcome.OK;
  }

  public boolean isInfo() {
    return outcome == Outcome.INFO;
  }

  /**
   * The latest time the operation may have taken effect: its completion, or +infinity for INFO (an
   * unknown outcome may still take effect later).
   */
  public long effectDeadlineNanos() {
    return outcome == Outcome.INFO ? Long.MAX_VALUE : completeNanos;
  }

  /** True if this operation completed before {@code other} was invoked (real-time order). */
  public boolean precedes(Operation other) {
    return effectDeadlineNanos() < other.invokeNanos;
  }

  /** The GET's answer; only for OK gets. */
  public OpResult.GetResult getResult() {
    return (OpResult.GetResult) result;
  }

  @Override
  public String toString() {
    String end =
        switch (outcome) {
          case OK -> "OK " + result;
          case FAIL -> "FAIL " + failure;
          case INFO -> "INFO " + infoReason;
        };
    return "#"
        + id
        + " p"
        + process
        + " "
        + op
        + " ["
        + invokeNanos
        + ".."
        + completeNanos
        + "] "
        + end;
  }
}

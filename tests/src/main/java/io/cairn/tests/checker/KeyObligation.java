package io.cairn.tests.checker;

import io.cairn.tests.history.Failure;
import io.cairn.tests.history.Op;
import io.cairn.tests.history.OpResult;
import io.cairn.tests.history.Operation;
import io.cairn.tests.history.ReadConsistency;
import java.util.Optional;

/**
 * One operation on one key as the linearizability search sees it: what it does to, or requires of,
 * the register. Built from an {@link Operation} by {@link #of}; operations that impose nothing
 * (failed writes without an observation, non-linearizable or unanswered reads) have none.
 *
 * @param step what the operation does
 * @param value PUT: the value written; READ: the value read (null if not found)
 * @param expectedVersion the compare-and-set expectation, or {@link Op#NO_EXPECTATION}
 * @param version PUT: the version the cluster assigned ({@link #UNKNOWN} for INFO); DELETE: its log
 *     index ({@link #UNKNOWN} for INFO); READ and MISMATCH: the version observed (0 = absent)
 * @param existed DELETE: whether the key existed before (null for INFO); MISMATCH: whether it
 *     existed; READ: whether it was found
 */
record KeyObligation(
    Operation source,
    Step step,
    String value,
    long expectedVersion,
    long version,
    Boolean existed) {

  /** A version the history does not tell. */
  static final long UNKNOWN = -1;

  enum Step {
    PUT,
    DELETE,
    /** A linearizable get: observes the state. */
    READ,
    /**
     * A compare-and-set refused with VERSION_MISMATCH: observes the version and needs it to differ.
     */
    MISMATCH
  }

  /**
   * Whether the operation only observes the state (it never changes it, at most binds a version).
   */
  boolean isObservation() {
    return step == Step.READ || step == Step.MISMATCH;
  }

  /** This put with its value replaced by {@link RegisterState#UNREAD}. */
  KeyObligation withUnreadValue() {
    return new KeyObligation(source, step, RegisterState.UNREAD, expectedVersion, version, existed);
  }

  /** Whether the operation must be linearized (OK or FAIL); INFO operations may be left out. */
  boolean required() {
    return !source.isInfo();
  }

  static Optional<KeyObligation> of(Operation operation) {
    Op op = operation.op();
    if (op.consistency() != null && op.consistency() != ReadConsistency.LINEARIZABLE) {
      return Optional
          .empty(); // SESSION and EVENTUAL reads promise less; other checkers judge them.
    }
    return switch (operation.outcome()) {
      case OK -> Optional.of(fromOk(operation, op));
      case INFO ->
          op.kind().isWrite()
              ? Optional.of(
                  new KeyObligation(
                      operation,
                      op.kind().isPut() ? Step.PUT : Step.DELETE,
                      op.value(),
                      op.expectedVersion(),
                      UNKNOWN,
                      null))
              : Optional.empty();
      // A refused write had no effect; only a version mismatch also tells what the state was.
      case FAIL ->
          operation.failure() instanceof Failure.VersionMismatch mismatch
              ? Optional.of(
                  new KeyObligation(
                      operation,
                      Step.MISMATCH,
                      null,
                      op.expectedVersion(),
                      mismatch.currentVersion(),
                      mismatch.exists()))
              : Optional.empty();
    };
  }

  private static KeyObligation fromOk(Operation operation, Op op) {
    OpResult result = operation.result();
    if (result instanceof OpResult.PutResult put) {
      return new KeyObligation(
          operation, Step.PUT, op.value(), op.expectedVersion(), put.version(), null);
    }
    if (result instanceof OpResult.DeleteResult delete) {
      return new KeyObligation(
          operation, Step.DELETE, null, op.expectedVersion(), delete.index(), delete.existed());
    }
    OpResult.GetResult get = (OpResult.GetResult) result;
    return new KeyObligation(
        operation, Step.READ, get.value(), Op.NO_EXPECTATION, get.version(), get.found());
  }
}

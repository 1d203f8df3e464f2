package io.cairn.tests.jepsen;

import io.cairn.tests.history.Failure;
import io.cairn.tests.history.HistoryRecorder;
import io.cairn.tests.history.OpResult;
import java.util.Objects;

/**
 * How one operation ended from the client's side: applied with a result, definitely not applied, or
 * unknown. {@link #recordTo} completes the operation in a history.
 */
public sealed interface OpOutcome {

  /** Completes the pending operation {@code id} in {@code recorder} with this outcome. */
  void recordTo(HistoryRecorder recorder, long id);

  /** The operation applied (or, for a read, was served) and answered {@code result}. */
  record Applied(OpResult result) implements OpOutcome {
    public Applied {
      Objects.requireNonNull(result, "result");
    }

    @Override
    public void recordTo(HistoryRecorder recorder, long id) {
      recorder.ok(id, result);
    }
  }

  /** The operation definitely did not apply. */
  record NotApplied(Failure failure) implements OpOutcome {
    public NotApplied {
      Objects.requireNonNull(failure, "failure");
    }

    @Override
    public void recordTo(HistoryRecorder recorder, long id) {
      recorder.fail(id, failure);
    }
  }

  /** Nobody knows: the operation may have applied, now or later, or never. */
  record Unknown(String reason) implements OpOutcome {
    public Unknown {
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public void recordTo(HistoryRecorder recorder, long id) {
      recorder.info(id, reason);
    }
  }
}

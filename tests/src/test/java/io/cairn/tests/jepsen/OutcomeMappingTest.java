package io.cairn.tests.jepsen;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tests.history.Failure;
import io.grpc.Status;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** Only answers that prove an operation did not apply become FAIL; everything else is INFO. */
class OutcomeMappingTest {

  @Test
  void aVersionMismatchIsAFailureCarryingTheObservedVersion() {
    OpOutcome outcome =
        OutcomeMapping.of(new CompletionException(InMemoryStore.mismatch(17, true)));

    assertThat(outcome).isEqualTo(new OpOutcome.NotApplied(new Failure.VersionMismatch(17, true)));
  }

  @Test
  void aMismatchOnAnAbsentKeySaysAbsent() {
    assertThat(OutcomeMapping.of(InMemoryStore.mismatch(0, false)))
        .isEqualTo(new OpOutcome.NotApplied(new Failure.VersionMismatch(0, false)));
  }

  @Test
  void aSelfContradictingMismatchIsStillNotAppliedButNoObservation() {
    assertThat(OutcomeMapping.versionMismatch(0, true))
        .isInstanceOfSatisfying(
            OpOutcome.NotApplied.class,
            f -> assertThat(f.failure()).isInstanceOf(Failure.Rejected.class));
  }

  @Test
  void anInvalidRequestIsAFailure() {
    assertThat(
            OutcomeMapping.of(
                Status.INVALID_ARGUMENT.withDescription("put: key is empty").asRuntimeException()))
        .isEqualTo(new OpOutcome.NotApplied(new Failure.Rejected("put: key is empty")));
  }

  @Test
  void unavailableDeadlinesAndUnknownErrorsAreInfo() {
    assertThat(
            OutcomeMapping.of(Status.UNAVAILABLE.withDescription("no quorum").asRuntimeException()))
        .isInstanceOf(OpOutcome.Unknown.class);
    assertThat(OutcomeMapping.of(Status.DEADLINE_EXCEEDED.asRuntimeException()))
        .isInstanceOf(OpOutcome.Unknown.class);
    assertThat(
            OutcomeMapping.of(
                Status.FAILED_PRECONDITION.withDescription("no detail").asRuntimeException()))
        .isInstanceOf(OpOutcome.Unknown.class);
    assertThat(OutcomeMapping.of(new TimeoutException("slow")))
        .isInstanceOf(OpOutcome.Unknown.class);
  }

  @Test
  void longReasonsAreShortenedToOneLine() {
    OpOutcome outcome = OutcomeMapping.of(new IllegalStateException("x\n".repeat(500)));

    assertThat(((OpOutcome.Unknown) outcome).reason()).doesNotContain("\n").hasSizeLessThan(220);
  }
}

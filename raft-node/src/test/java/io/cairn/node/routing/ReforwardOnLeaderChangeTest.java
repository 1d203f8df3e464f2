package io.cairn.node.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.node.replica.LeaderEvents;
import io.cairn.node.testing.ManualClock;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.protocol.RaftGroupId;
import org.junit.jupiter.api.Test;

class ReforwardOnLeaderChangeTest {
  private static final RaftGroupId GROUP = RaftGroupId.randomId();
  private static final RaftGroupId OTHER_GROUP = RaftGroupId.randomId();

  private final ManualClock clock = new ManualClock(0);
  private final LeaderEvents events = new LeaderEvents(Runnable::run);
  private volatile String leaderHere = "n3";
  private final ReforwardOnLeaderChange reforward =
      new ReforwardOnLeaderChange(events, gid -> Optional.ofNullable(leaderHere), clock);

  /** The copies sent again: the time left given to each, and their futures. */
  private final List<Long> againLeftMs = new ArrayList<>();

  private final List<CompletableFuture<String>> againCopies = new ArrayList<>();

  private CompletableFuture<String> again(long leftMs) {
    againLeftMs.add(leftMs);
    CompletableFuture<String> copy = new CompletableFuture<>();
    againCopies.add(copy);
    return copy;
  }

  private CompletableFuture<String> watch(CompletableFuture<String> forward) {
    return reforward.watch(GROUP, "n3", 10_000, forward, this::again);
  }

  @Test
  void aForwardStuckAtAPausedLeaderIsSentAgainAtTheNextLeadershipEventAndTheCopyAnswers() {
    CompletableFuture<String> toPausedLeader = new CompletableFuture<>();
    CompletableFuture<String> result = watch(toPausedLeader);
    clock.advance(800);
    leaderHere = "n1";
    events.happened(GROUP);
    assertThat(againLeftMs).containsExactly(9_200L);
    assertThat(result).isNotDone();
    againCopies.get(0).complete("served by n1");
    assertThat(result).isCompletedWithValue("served by n1");
  }

  @Test
  void aForwardAnsweredWithoutAnEventSendsNothingMore() {
    CompletableFuture<String> forward = new CompletableFuture<>();
    CompletableFuture<String> result = watch(forward);
    forward.complete("served by n3");
    assertThat(result).isCompletedWithValue("served by n3");
    events.happened(GROUP);
    assertThat(againLeftMs).as("the registration went with the answer").isEmpty();
  }

  @Test
  void aForwardThatFailedWithNoCopyOutIsTheAnswerAndALaterEventSendsNothing() {
    CompletableFuture<String> forward = new CompletableFuture<>();
    CompletableFuture<String> result = watch(forward);
    forward.completeExceptionally(new NotLeaderHereException("n3 does not lead shard 1"));
    assertThatThrownBy(result::join).hasMessageContaining("n3 does not lead");
    events.happened(GROUP);
    assertThat(againLeftMs).as("the caller decides what happens next").isEmpty();
  }

  @Test
  void anEventOfAnotherGroupSendsNothing() {
    CompletableFuture<String> result = watch(new CompletableFuture<>());
    events.happened(OTHER_GROUP);
    assertThat(againLeftMs).isEmpty();
    assertThat(result).isNotDone();
  }

  @Test
  void aLeaderChangeJustBeforeTheWatchBeganSendsTheCopyAtOnce() {
    leaderHere = "n1"; // this node's view moved on after the forward was aimed at n3
    CompletableFuture<String> result = watch(new CompletableFuture<>());
    assertThat(againLeftMs).containsExactly(10_000L);
    events.happened(GROUP);
    assertThat(againLeftMs).as("one copy per watch").hasSize(1);
    againCopies.get(0).complete("served by n1");
    assertThat(result).isCompletedWithValue("served by n1");
  }

  @Test
  void noLeaderInViewYetWaitsForTheEvent() {
    leaderHere = null; // an election is under way here
    watch(new CompletableFuture<>());
    assertThat(againLeftMs).isEmpty();
  }

  @Test
  void aFailureThatAnotherCopyMayStillAnswerWaitsForThatCopy() {
    CompletableFuture<String> toPausedLeader = new CompletableFuture<>();
    CompletableFuture<String> result = watch(toPausedLeader);
    events.happened(GROUP);
    toPausedLeader.completeExceptionally(
        new StatusRuntimeException(Status.DEADLINE_EXCEEDED.withDescription("no answer")));
    assertThat(result).isNotDone();
    againCopies.get(0).complete("served by n1");
    assertThat(result).isCompletedWithValue("served by n1");
  }

  @Test
  void whenEveryCopyFailsTheLastFailureIsTheAnswer() {
    CompletableFuture<String> toPausedLeader = new CompletableFuture<>();
    CompletableFuture<String> result = watch(toPausedLeader);
    events.happened(GROUP);
    againCopies.get(0).completeExceptionally(new TimeoutException("the copy ran out of time"));
    assertThat(result).isNotDone();
    toPausedLeader.completeExceptionally(
        new StatusRuntimeException(Status.UNAVAILABLE.withDescription("n3 unreachable")));
    assertThatThrownBy(result::join).hasMessageContaining("n3 unreachable");
  }

  @Test
  void aDefinitiveFailureIsTheAnswerAtOnce() {
    CompletableFuture<String> result = watch(new CompletableFuture<>());
    events.happened(GROUP);
    againCopies
        .get(0)
        .completeExceptionally(
            new StatusRuntimeException(
                Status.FAILED_PRECONDITION.withDescription("expected version 7, found 8")));
    assertThatThrownBy(result::join).hasMessageContaining("expected version 7");
  }

  @Test
  void anEventAfterTheDeadlineSendsNothing() {
    CompletableFuture<String> result = watch(new CompletableFuture<>());
    clock.advance(10_000);
    events.happened(GROUP);
    assertThat(againLeftMs).isEmpty();
    assertThat(result).isNotDone();
  }

  @Test
  void whatCountsAsRoomForAnotherCopy() {
    assertThat(ReforwardOnLeaderChange.anotherCopyMayAnswer(new NotLeaderHereException("x")))
        .isTrue();
    assertThat(ReforwardOnLeaderChange.anotherCopyMayAnswer(new TimeoutException("x"))).isTrue();
    assertThat(
            ReforwardOnLeaderChange.anotherCopyMayAnswer(
                new StatusRuntimeException(Status.CANCELLED)))
        .isTrue();
    assertThat(
            ReforwardOnLeaderChange.anotherCopyMayAnswer(
                new StatusRuntimeException(Status.INVALID_ARGUMENT)))
        .isFalse();
    assertThat(ReforwardOnLeaderChange.anotherCopyMayAnswer(new IllegalStateException("x")))
        .isFalse();
  }
}

package io.cairn.node.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.node.replica.LeaderEvents;
import io.cairn.node.testing.ManualClock;
import io.cairn.node.testing.ManualScheduler;
import io.cairn.proto.ErrorDetail;
import io.cairn.proto.WireHeaders;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.protocol.RaftGroupId;
import org.junit.jupiter.api.Test;

class BetweenLeadersTest {
  private static final RaftGroupId GROUP = RaftGroupId.randomId();
  private static final long HOLD_MS = 3_000;

  private final ManualClock clock = new ManualClock(0);
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final LeaderEvents events = new LeaderEvents(Runnable::run);
  private final BetweenLeaders held = new BetweenLeaders(events, scheduler, clock, HOLD_MS);

  /** Fails with {@code error} until told to succeed; records the time left given to each try. */
  private final class Attempts {
    final List<Long> leftMs = new ArrayList<>();
    Throwable error = new NotLeaderHereException("shard 1: this node does not lead it right now");

    CompletableFuture<String> run(long left) {
      leftMs.add(left);
      return error == null
          ? CompletableFuture.completedFuture("ok")
          : CompletableFuture.failedFuture(error);
    }
  }

  @Test
  void aRequestThatFoundNoLeaderIsTriedAgainAtTheNextLeadershipEventAndSucceeds() {
    Attempts attempts = new Attempts();
    CompletableFuture<String> result = held.run(GROUP, 10_000, attempts::run);
    assertThat(result).isNotDone();
    clock.advance(20); // less than the retry interval: only the event can wake it
    attempts.error = null;
    events.happened(GROUP);
    assertThat(result).isCompletedWithValue("ok");
    assertThat(attempts.leftMs).containsExactly(10_000L, 9_980L);
  }

  @Test
  void withoutEventsItIsTriedAgainEveryRetryInterval() {
    Attempts attempts = new Attempts();
    CompletableFuture<String> result = held.run(GROUP, 10_000, attempts::run);
    scheduler.advance(BetweenLeaders.RETRY_MS * 3);
    assertThat(attempts.leftMs).hasSize(4);
    attempts.error = null;
    scheduler.advance(BetweenLeaders.RETRY_MS);
    assertThat(result).isCompletedWithValue("ok");
  }

  @Test
  void itGivesUpWithTheLastErrorOnceTheHoldIsOver() {
    Attempts attempts = new Attempts();
    CompletableFuture<String> result = held.run(GROUP, 10_000, attempts::run);
    scheduler.advance(HOLD_MS + BetweenLeaders.RETRY_MS);
    assertThat(result).isCompletedExceptionally();
    assertThatThrownBy(result::join).hasCauseInstanceOf(NotLeaderHereException.class);
    int tries = attempts.leftMs.size();
    events.happened(GROUP);
    scheduler.advance(1_000);
    assertThat(attempts.leftMs).as("nothing runs after giving up").hasSize(tries);
  }

  @Test
  void theHoldNeverOutlastsTheRequestsOwnTimeout() {
    Attempts attempts = new Attempts();
    CompletableFuture<String> result = held.run(GROUP, 200, attempts::run);
    scheduler.advance(250);
    assertThat(result).isCompletedExceptionally();
    assertThat(attempts.leftMs).allSatisfy(left -> assertThat(left).isLessThanOrEqualTo(200));
  }

  @Test
  void otherFailuresAreNotHeld() {
    Attempts attempts = new Attempts();
    attempts.error = new TimeoutException("no answer within 1000 ms");
    CompletableFuture<String> result = held.run(GROUP, 10_000, attempts::run);
    assertThat(result).isCompletedExceptionally();
    assertThat(attempts.leftMs).hasSize(1);
  }

  @Test
  void whatCountsAsNoServingLeader() {
    assertThat(
            BetweenLeaders.noServingLeader(
                new CompletionException(new NotLeaderHereException("x"))))
        .isTrue();
    assertThat(BetweenLeaders.noServingLeader(Status.UNAVAILABLE.asRuntimeException()))
        .as("not reached: a transport failure")
        .isTrue();
    assertThat(BetweenLeaders.noServingLeader(unavailable(ErrorDetail.Reason.NOT_LEADER))).isTrue();
    assertThat(BetweenLeaders.noServingLeader(unavailable(ErrorDetail.Reason.NO_QUORUM)))
        .as("the leader was reached and could not commit: the attempt's time is spent")
        .isFalse();
    assertThat(BetweenLeaders.noServingLeader(Status.INVALID_ARGUMENT.asRuntimeException()))
        .isFalse();
  }

  private static StatusRuntimeException unavailable(ErrorDetail.Reason reason) {
    Metadata trailers = new Metadata();
    trailers.put(WireHeaders.ERROR_DETAIL, ErrorDetail.newBuilder().setReason(reason).build());
    return Status.UNAVAILABLE.asRuntimeException(trailers);
  }
}

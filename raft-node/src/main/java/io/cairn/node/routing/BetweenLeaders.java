package io.cairn.node.routing;

import io.cairn.node.config.NodeConfig;
import io.cairn.node.replica.LeaderEvents;
import io.cairn.node.replica.RaftHost;
import io.cairn.node.runtime.NodeClock;
import io.cairn.node.runtime.Scheduler;
import io.cairn.proto.ErrorDetail;
import io.cairn.proto.WireHeaders;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;

/**
 * Holds a client's request while its shard is between leaders, instead of failing it back.
 *
 * <p>When a leader dies, its shard has none until the followers' election timeout runs out and one
 * of them is elected and has committed an entry of its term. A request arriving meanwhile used to
 * fail at once (the leader unreachable, or not ready yet), and the client backed off,
 * exponentially, so it came back well after the new leader was ready (docs/failover.md). Here the
 * request waits on this node for the shard's next leadership event ({@link LeaderEvents}) and is
 * tried again then, or every {@link #RETRY_MS} while nothing happens (a node without a replica of
 * the shard hears of no events), for at most {@code holdMsMax}: long enough to span one election,
 * short enough that a node cut off from its shard's majority lets the client go elsewhere.
 *
 * <p>Trying again is what the client would do anyway, and as safe: a write carries the same write
 * id every time (the client's, or for a write sent without one, the one {@code ShardWrites} gives
 * it from {@code NodeWriteIds}), so it applies at most once. Without an id it would not be safe:
 * none of the failures retried here proves the first attempt was not committed.
 */
public final class BetweenLeaders {
  static final long RETRY_MS = 50;

  private final LeaderEvents events;
  private final Scheduler scheduler;
  private final NodeClock clock;
  private final long holdMsMax;

  /**
   * @param holdMsMax the longest a request is held in all
   */
  public BetweenLeaders(LeaderEvents events, Scheduler scheduler, NodeClock clock, long holdMsMax) {
    this.events = events;
    this.scheduler = scheduler;
    this.clock = clock;
    this.holdMsMax = holdMsMax;
  }

  /**
   * Holds requests for as long as Ratis may take to notice a dead leader, plus one election: a
   * follower sleeps a random election timeout, and only then checks whether it heard from the
   * leader within that timeout, so it notices up to two maximum timeouts after the leader's last
   * word.
   */
  public static BetweenLeaders of(
      NodeConfig config, RaftHost host, NodeClock clock, Scheduler scheduler) {
    NodeConfig.Raft raft = config.raft();
    return new BetweenLeaders(
        host.leaderEvents(),
        scheduler,
        clock,
        2L * raft.electionTimeoutMsMax() + raft.electionTimeoutMsMin());
  }

  /**
   * Runs {@code attempt} (given the milliseconds left of {@code timeoutMs}) and again while it
   * fails only because the group has no leader that can serve, within {@code timeoutMs} and {@code
   * holdMsMax}.
   */
  public <T> CompletableFuture<T> run(
      RaftGroupId gid, long timeoutMs, LongFunction<CompletableFuture<T>> attempt) {
    long start = clock.nanoTime();
    long deadline = start + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    long holdUntil = start + TimeUnit.MILLISECONDS.toNanos(Math.min(timeoutMs, holdMsMax));
    return tryOnce(gid, deadline, holdUntil, attempt);
  }

  private <T> CompletableFuture<T> tryOnce(
      RaftGroupId gid, long deadline, long holdUntil, LongFunction<CompletableFuture<T>> attempt) {
    long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - clock.nanoTime());
    CompletableFuture<T> answer;
    try {
      answer = attempt.apply(Math.max(1, leftMs));
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    // On the hot path (an answer) this stage is all it costs.
    return answer.exceptionallyCompose(
        error -> holdThenRetry(gid, deadline, holdUntil, attempt, error));
  }

  private <T> CompletableFuture<T> holdThenRetry(
      RaftGroupId gid,
      long deadline,
      long holdUntil,
      LongFunction<CompletableFuture<T>> attempt,
      Throwable error) {
    long holdLeftMs = TimeUnit.NANOSECONDS.toMillis(holdUntil - clock.nanoTime());
    if (holdLeftMs <= 0 || !noServingLeader(error)) {
      return CompletableFuture.failedFuture(error);
    }
    // An event between the failure and this registration is not lost for long: the timer retries
    // at most RETRY_MS later.
    CompletableFuture<Void> wake = new CompletableFuture<>();
    LeaderEvents.Registration registration = events.onNext(gid, () -> wake.complete(null));
    Scheduler.Cancellable timer =
        scheduler.schedule(() -> wake.complete(null), Math.min(RETRY_MS, holdLeftMs));
    return wake.thenCompose(
        v -> {
          timer.cancel();
          registration.cancel();
          return tryOnce(gid, deadline, holdUntil, attempt);
        });
  }

  /**
   * Whether {@code error} says only that the shard had no leader able to serve where the request
   * went: this node does not lead it (or is not ready yet), the node it was forwarded to could not
   * be reached, or answered that it does not lead it.
   */
  static boolean noServingLeader(Throwable error) {
    Throwable e = unwrap(error);
    if (e instanceof NotLeaderHereException
        || e instanceof NotLeaderException
        || e instanceof LeaderNotReadyException) {
      return true;
    }
    if (e instanceof StatusRuntimeException sre
        && sre.getStatus().getCode() == Status.Code.UNAVAILABLE) {
      Metadata trailers = sre.getTrailers();
      ErrorDetail detail = trailers == null ? null : trailers.get(WireHeaders.ERROR_DETAIL);
      // No detail: the node was not reached (a transport failure).
      return detail == null
          || detail.getReason() == ErrorDetail.Reason.NOT_LEADER
          || detail.getReason() == ErrorDetail.Reason.SHUTTING_DOWN;
    }
    return false;
  }

  static Throwable unwrap(Throwable e) {
    while ((e instanceof CompletionException || e instanceof ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}

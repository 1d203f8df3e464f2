package io.cairn.node.routing;

import io.cairn.node.replica.LeaderEvents;
import io.cairn.node.runtime.NodeClock;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.LongFunction;
import org.apache.ratis.protocol.RaftGroupId;

/**
 * Sends a request that this node forwarded to its shard's leader once more, the usual way, when
 * this node's replica of the shard learns of a new leader while the forward still waits.
 *
 * <p>Why: a node forwards a request to the leader its replica knows of. That leader may be paused
 * (SIGSTOP, a long GC, a stalled host): it neither answers nor closes the connection, so the
 * forward would wait out the whole request timeout, although the shard elects another leader, often
 * this very node, within about an election timeout. FailoverIT's SIGSTOP runs of 2026-12-07 traced
 * their windows of about 3 s to exactly this: the client had sent its request to the node that went
 * on to win the election, and that node, a follower or candidate a moment before, had forwarded it
 * to the paused leader. The client could not help: its copy was already at the right node.
 *
 * <p>Safe for the reason any retry is: a write carries its write id and is applied at most once,
 * and a LINEARIZABLE read is answered only by a leader that has confirmed its leadership.
 *
 * <p>Each leadership event sends one more copy. The first answer wins. A failure that another copy
 * may still turn into an answer (no serving leader, a timeout) waits for the copies still out. Only
 * forwarded requests are watched, so a leader's own requests pay nothing for this.
 */
public final class ReforwardOnLeaderChange {
  private final LeaderEvents events;
  private final Function<RaftGroupId, Optional<String>> leaderOf;
  private final NodeClock clock;

  /**
   * @param leaderOf who leads a group as this node sees it: the view the forward was aimed by
   */
  public ReforwardOnLeaderChange(
      LeaderEvents events, Function<RaftGroupId, Optional<String>> leaderOf, NodeClock clock) {
    this.events = events;
    this.leaderOf = leaderOf;
    this.clock = clock;
  }

  /**
   * Watches {@code forward}, a request just forwarded to {@code forwardedTo} as {@code gid}'s
   * leader, which has {@code timeoutMs} to be answered. At the group's next leadership event here
   * before then, {@code again} sends the request anew, given the milliseconds left.
   */
  public <T> CompletableFuture<T> watch(
      RaftGroupId gid,
      String forwardedTo,
      long timeoutMs,
      CompletableFuture<T> forward,
      LongFunction<CompletableFuture<T>> again) {
    if (forward.isDone()) {
      return forward;
    }
    long deadlineNanos = clock.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    Copies<T> copies = new Copies<>();
    copies.oneMore();
    copies.track(forward);
    AtomicBoolean sentAgain = new AtomicBoolean();
    Runnable sendAgain =
        () -> {
          long leftMs = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - clock.nanoTime());
          if (leftMs > 0 && sentAgain.compareAndSet(false, true) && copies.oneMore()) {
            CompletableFuture<T> copy;
            try {
              copy = again.apply(leftMs);
            } catch (RuntimeException e) {
              copy = CompletableFuture.failedFuture(e);
            }
            copies.track(copy);
          }
        };
    LeaderEvents.Registration registration = events.onNext(gid, sendAgain);
    copies.result.whenComplete((r, e) -> registration.cancel());
    // An event between choosing forwardedTo and registering above would be missed.
    if (leaderOf.apply(gid).filter(leader -> !leader.equals(forwardedTo)).isPresent()) {
      registration.cancel();
      sendAgain.run();
    }
    return copies.result;
  }

  /**
   * Whether {@code error} leaves room for another copy to answer: it says the node reached had no
   * leader to serve it, or the copy ran out of time or could not reach its node. Anything else (a
   * compare-and-set conflict, a bad request) is the request's answer.
   */
  static boolean anotherCopyMayAnswer(Throwable error) {
    if (BetweenLeaders.noServingLeader(error)) {
      return true;
    }
    Throwable e = BetweenLeaders.unwrap(error);
    if (e instanceof TimeoutException) {
      return true;
    }
    if (e instanceof StatusRuntimeException sre) {
      Status.Code code = sre.getStatus().getCode();
      return code == Status.Code.DEADLINE_EXCEEDED
          || code == Status.Code.UNAVAILABLE
          || code == Status.Code.CANCELLED;
    }
    return false;
  }

  /** The copies of one request: the first answer completes the result. */
  private static final class Copies<T> {
    final CompletableFuture<T> result = new CompletableFuture<>();
    // Guarded by this. decided: the result is (about to be) complete, so no copy goes out any more;
    // set under the lock, as the result completes outside it.
    private int outstanding;
    private boolean decided;

    /** Counts a copy about to go out; false once the request has its result. */
    synchronized boolean oneMore() {
      if (decided || result.isDone()) {
        return false;
      }
      outstanding++;
      return true;
    }

    void track(CompletableFuture<T> copy) {
      copy.whenComplete(
          (value, error) -> {
            boolean answer;
            synchronized (this) {
              outstanding--;
              answer = error == null || outstanding == 0 || !anotherCopyMayAnswer(error);
              decided |= answer;
            }
            if (!answer) {
              return;
            }
            if (error == null) {
              result.complete(value);
            } else {
              result.completeExceptionally(error);
            }
          });
    }
  }
}

package io.cairn.client;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Sends an attempt to a shard's leader and, when that leader stays silent, sends the same request
 * to the shard's next leader as soon as the cluster names one.
 *
 * <p>Why: a leader that is paused (SIGSTOP, a long GC pause, a frozen VM) neither answers nor
 * closes its connections, so an attempt sent to it would wait for its whole attempt timeout
 * (seconds) although the other replicas elect a new leader within about an election timeout. So
 * once an attempt has waited {@code stallMs}, the client refreshes its routing from the other nodes
 * (rate-limited, {@link RoutingCache#suspect}) until one names another leader, and sends the
 * request there too; the first answer wins.
 *
 * <p>Why it is safe: the second request is the same request. A write keeps its write id, so the
 * cluster applies it at most once, however many copies reach the log (as for any retry); a read is
 * served by whichever leader answers, each of which confirms its leadership first. Nothing is sent
 * while the routing still names the silent node, so a merely slow leader costs routing fetches, not
 * duplicate requests.
 *
 * <p>Thread-safe. One sweep task, scheduled only while attempts are being watched, checks them
 * every {@code pollMs}.
 */
final class StalledLeaderHedge {
  private final RoutingCache routing;
  private final ScheduledExecutorService scheduler;
  private final LongSupplier nanoTime;
  private final long stallNanos;
  private final long pollMs;
  private final Set<Watch<?>> watching = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean sweepScheduled = new AtomicBoolean();

  /**
   * @param stallMs how long an attempt waits for the leader before the client looks for another; 0
   *     turns the hedge off
   */
  StalledLeaderHedge(
      RoutingCache routing,
      ScheduledExecutorService scheduler,
      LongSupplier nanoTime,
      long stallMs) {
    this.routing = routing;
    this.scheduler = scheduler;
    this.nanoTime = nanoTime;
    this.stallNanos = TimeUnit.MILLISECONDS.toNanos(stallMs);
    this.pollMs = Math.max(10, stallMs / 3);
  }

  /**
   * Sends the attempt to {@code target} with {@code sendTo} and watches it as described above. The
   * target may also be a replica that is not the leader (the client knew of none): it forwards to
   * the leader it knows, which may be the silent one, so the same watch applies. The result is the
   * first answer, or the last failure once every copy has failed.
   */
  <R> CompletableFuture<R> send(Target target, Function<Target, CompletableFuture<R>> sendTo) {
    CompletableFuture<R> first = sendTo.apply(target);
    if (stallNanos == 0 || target.shardId() < 0 || first.isDone()) {
      return first;
    }
    Watch<R> watch = new Watch<>(target, sendTo, nanoTime.getAsLong());
    watch.track(target.nodeId(), first);
    watching.add(watch);
    watch.result.whenComplete((r, e) -> watching.remove(watch));
    scheduleSweep();
    return watch.result;
  }

  /** How many attempts are being watched now (for tests). */
  int watching() {
    return watching.size();
  }

  private void scheduleSweep() {
    if (!sweepScheduled.compareAndSet(false, true)) {
      return;
    }
    try {
      scheduler.schedule(this::sweep, pollMs, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException closing) {
      sweepScheduled.set(false); // the client is closing; its operations are failed by close()
    }
  }

  private void sweep() {
    try {
      long now = nanoTime.getAsLong();
      for (Watch<?> w : watching) {
        if (now - w.sentNanos >= stallNanos) {
          w.lookForAnotherLeader();
        }
      }
    } finally {
      sweepScheduled.set(false);
      if (!watching.isEmpty()) {
        scheduleSweep();
      }
    }
  }

  /** One attempt at a leader, and the copies of it sent to later leaders. */
  private final class Watch<R> {
    final CompletableFuture<R> result = new CompletableFuture<>();
    final long sentNanos;
    private final int shardId;
    private final Function<Target, CompletableFuture<R>> sendTo;
    // The nodes a copy went to as the shard's leader. A copy that went to a replica as a follower
    // may be stuck in its forward to the silent leader; once that replica leads, it gets a copy of
    // its own. Guarded by this.
    private final Set<String> sentToLeaders = new HashSet<>();
    private final Set<String> sentTo = new HashSet<>();
    private int outstanding;

    Watch(Target target, Function<Target, CompletableFuture<R>> sendTo, long sentNanos) {
      this.shardId = target.shardId();
      this.sendTo = sendTo;
      this.sentNanos = sentNanos;
      sentTo.add(target.nodeId());
      if (target.toLeader()) {
        sentToLeaders.add(target.nodeId());
      }
    }

    void track(String nodeId, CompletableFuture<R> copy) {
      synchronized (this) {
        outstanding++;
      }
      copy.whenComplete(
          (value, error) -> {
            if (error == null) {
              result.complete(value);
              return;
            }
            boolean last;
            synchronized (this) {
              last = --outstanding == 0;
              // A leader that refused for now (not ready yet, overloaded) may get another copy
              // on a later sweep, while the copy at the silent node still waits.
              sentToLeaders.remove(nodeId);
            }
            if (last || !(error instanceof CairnException e && ErrorMapping.isRetryable(e))) {
              result.completeExceptionally(error);
            }
          });
    }

    void lookForAnotherLeader() {
      if (result.isDone()) {
        return;
      }
      RoutingView view = routing.view();
      Optional<String> leader = view == null ? Optional.empty() : view.leaderOf(shardId);
      Optional<Endpoint> endpoint = leader.flatMap(view::endpointOf);
      synchronized (this) {
        if (endpoint.isEmpty() || sentToLeaders.contains(leader.get())) {
          sentTo.forEach(routing::suspect);
          return;
        }
        if (outstanding == 0) {
          return; // every copy failed: the retrier takes over
        }
        sentToLeaders.add(leader.get());
        sentTo.add(leader.get());
      }
      track(leader.get(), sendTo.apply(new Target(endpoint.get(), shardId, leader.get(), true)));
    }
  }
}

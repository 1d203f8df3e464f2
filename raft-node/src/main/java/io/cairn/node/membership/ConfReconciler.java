package io.cairn.node.membership;

import io.cairn.node.replica.RaftHost;
import io.cairn.node.replica.WedgedLeaderException;
import io.cairn.node.routing.MapChanges;
import io.cairn.node.routing.PeerChannels;
import io.cairn.node.routing.ShardDirectory;
import io.cairn.node.runtime.NodeClock;
import io.cairn.node.runtime.Scheduler;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import io.cairn.proto.internal.PeerGrpc;
import io.cairn.proto.internal.ReplicaReadyRequest;
import io.cairn.statemachine.MembershipEdits;
import io.cairn.statemachine.ShardMaps;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.apache.ratis.protocol.RaftGroupId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the Raft configuration of every group this node leads follow the shard map ({@link
 * ConfPlan}): leadership handed to the map's preferred replica once it answers ({@link
 * MembershipCommands}, leader transfer), and the voters of a replica move, finished in the map once
 * Raft has them. Runs when the map changes and every {@code periodMs}, so a leader elected in the
 * middle of a change carries it on.
 *
 * <p>It acts only on the meta group's current map, never on this node's copy alone: a leader
 * elected just after a change may not have polled the new map yet, and acting on the old one would
 * undo it (leadership sent back and forth, a move reversed). So a difference seen in the local copy
 * is checked against a fresh read of the map first, and nothing runs before the node's map has been
 * confirmed by the meta group at all (until then it is a guess computed from the config).
 */
public final class ConfReconciler implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(ConfReconciler.class);
  private static final long HAND_OVER_RETRY_MS = 10_000;

  private final RaftHost host;
  private final ShardDirectory directory;
  private final MapChanges mapChanges;
  private final PeerChannels peers;
  private final BooleanSupplier mapConfirmed;
  private final long callTimeoutMs;
  private final long responsiveWithinMs;
  private final NodeClock clock;
  // Group to the time (ms, monotonic) of its last leadership hand-over attempt: a hand-over stalls
  // writes until it completes, so a failing one is not retried at once.
  private final Map<Integer, Long> lastHandOver = new ConcurrentHashMap<>();
  // When this node, leading a wedged group, may step down from it again.
  private final StepDownPacing stepDowns = new StepDownPacing();
  // Groups with a change of ours in flight: one at a time per group.
  private final Set<Integer> busy = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean reading = new AtomicBoolean();
  private static final long WAIT_LOG_AFTER_MS = 5_000;
  private static final long WAIT_LOG_EVERY_MS = 15_000;
  // Group to when its move started waiting for a new member's replica, and when that was logged.
  private final Map<Integer, Waiting> waitingSince = new ConcurrentHashMap<>();

  /** Times (ms, monotonic) of a move's wait for a new member's replica; loggedMs -1: not yet. */
  private record Waiting(long sinceMs, long loggedMs) {}

  private final Scheduler.Cancellable timer;

  /**
   * @param mapConfirmed whether the meta group has confirmed a map to this node
   */
  public ConfReconciler(
      RaftHost host,
      ShardDirectory directory,
      MapChanges mapChanges,
      PeerChannels peers,
      Scheduler scheduler,
      NodeClock clock,
      long periodMs,
      long callTimeoutMs,
      long responsiveWithinMs,
      BooleanSupplier mapConfirmed) {
    this.clock = clock;
    this.responsiveWithinMs = responsiveWithinMs;
    this.host = host;
    this.directory = directory;
    this.mapChanges = mapChanges;
    this.peers = peers;
    this.mapConfirmed = mapConfirmed;
    this.callTimeoutMs = callTimeoutMs;
    // Not on the thread that adopts the map (the meta group's apply thread): this calls into Ratis.
    directory.onChange(map -> scheduler.schedule(this::reconcile, 0));
    this.timer = scheduler.repeat("raft-configurations", this::reconcile, periodMs, periodMs);
  }

  void reconcile() {
    if (!mapConfirmed.getAsBoolean() || !anythingToDo(directory.map())) {
      return;
    }
    if (!reading.compareAndSet(false, true)) {
      return;
    }
    mapChanges
        .current()
        .whenComplete(
            (map, e) -> {
              reading.set(false);
              if (e != null) {
                LOG.info("Raft configurations not reconciled yet (retried): {}", e.toString());
              } else {
                ShardMaps.groups(map).forEach(g -> act(g, map));
              }
            });
  }

  private boolean anythingToDo(ShardMap map) {
    return ShardMaps.groups(map).stream()
        .filter(g -> !busy.contains(g.getShardId()))
        .map(this::plan)
        .flatMap(Optional::stream)
        .anyMatch(ConfReconciler::actionable);
  }

  private static boolean actionable(ConfPlan.Action a) {
    return !(a instanceof ConfPlan.Nothing) && !(a instanceof ConfPlan.Wait);
  }

  private Optional<ConfPlan.Action> plan(ShardInfo group) {
    return host.ledConf(RaftHost.groupIdOf(group), responsiveWithinMs)
        .map(c -> ConfPlan.next(group, host.nodeId(), c.voters(), c.stable(), c.responsive()))
        .map(
            a ->
                a instanceof ConfPlan.TransferLeadership && handedOverRecently(group)
                    ? new ConfPlan.Wait("a hand-over was tried recently")
                    : a);
  }

  private boolean handedOverRecently(ShardInfo group) {
    Long last = lastHandOver.get(group.getShardId());
    return last != null && nowMs() - last < HAND_OVER_RETRY_MS;
  }

  private long nowMs() {
    return TimeUnit.NANOSECONDS.toMillis(clock.nanoTime());
  }

  private void act(ShardInfo group, ShardMap map) {
    ConfPlan.Action action = plan(group).orElse(null);
    if (!(action instanceof ConfPlan.ChangeVoters)) {
      waitingSince.remove(group.getShardId());
    }
    if (action == null || !actionable(action) || !busy.add(group.getShardId())) {
      return;
    }
    String what = ShardMaps.describe(group.getShardId());
    CompletableFuture<String> done;
    try {
      done = carryOut(action, group, map);
    } catch (RuntimeException e) {
      done = CompletableFuture.failedFuture(e);
    }
    done.whenComplete(
        (message, e) -> {
          busy.remove(group.getShardId());
          WedgedLeaderException wedged = wedged(e);
          if (wedged != null) {
            stepDown(group, wedged);
          } else if (e != null) {
            LOG.info("{}: Raft configuration not reconciled yet (retried): {}", what, e.toString());
          } else if (message != null) {
            stepDowns.forget(group.getShardId());
            LOG.info("{}: {}", what, message);
          }
        });
  }

  private static WedgedLeaderException wedged(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof WedgedLeaderException w) {
        return w;
      }
    }
    return null;
  }

  /**
   * A leader Ratis will not let change the configuration again steps down, so that the group's next
   * leader (perhaps this replica, in a new term) carries the change on. Paced by {@link
   * StepDownPacing}: should the cause outlive the term, the group must not be kept without a leader
   * over and over.
   */
  private void stepDown(ShardInfo group, WedgedLeaderException why) {
    String what = ShardMaps.describe(group.getShardId());
    if (!stepDowns.tryStepDown(group.getShardId(), nowMs())) {
      LOG.warn(
          "{}: {}; stepped down recently, so not again for {} ms",
          what,
          why.getMessage(),
          stepDowns.waitMs(group.getShardId(), nowMs()));
      return;
    }
    LOG.warn(
        "{}: {}; stepping down so that a new term carries the change on", what, why.getMessage());
    host.stepDown(RaftHost.groupIdOf(group), callTimeoutMs)
        .whenComplete(
            (v, e) -> {
              if (e != null) {
                LOG.warn("{}: step-down failed (retried): {}", what, e.toString());
                stepDowns.forget(group.getShardId());
              }
            });
  }

  /** Completes with what was done, or null when it waits for something (said at debug level). */
  private CompletableFuture<String> carryOut(
      ConfPlan.Action action, ShardInfo group, ShardMap map) {
    if (action instanceof ConfPlan.SetPriorities p) {
      return host.proposeVoters(RaftHost.groupIdOf(group), p.priorities(), map)
          .thenApply(
              v ->
                  "Raft priorities made equal (map epoch "
                      + map.getEpoch()
                      + "): leadership moves by hand-overs only");
    }
    if (action instanceof ConfPlan.TransferLeadership t) {
      lastHandOver.put(group.getShardId(), nowMs());
      return host.transferLeadership(RaftHost.groupIdOf(group), t.to(), callTimeoutMs)
          .thenApply(v -> "leadership handed to " + t.to());
    }
    if (action instanceof ConfPlan.ChangeVoters c) {
      return changeVoters(group, c, map);
    }
    if (action instanceof ConfPlan.FinishMove f) {
      return mapChanges
          .change(
              "finish move",
              m -> MembershipEdits.finishMove(m, group.getShardId(), f.move()),
              () -> true)
          .thenApply(
              m ->
                  "move "
                      + MembershipEdits.describe(f.move())
                      + " finished in map epoch "
                      + m.getEpoch());
    }
    return CompletableFuture.completedFuture(null);
  }

  private CompletableFuture<String> changeVoters(
      ShardInfo group, ConfPlan.ChangeVoters change, ShardMap map) {
    RaftGroupId gid = RaftHost.groupIdOf(group);
    List<CompletableFuture<Boolean>> ready = new ArrayList<>();
    for (String node : change.added()) {
      ready.add(replicaReady(node, gid));
    }
    return CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new))
        .thenCompose(
            v -> {
              List<String> notReady = new ArrayList<>();
              for (int i = 0; i < ready.size(); i++) {
                if (!ready.get(i).join()) {
                  notReady.add(change.added().get(i));
                }
              }
              if (!notReady.isEmpty()) {
                noteWaitingFor(group, notReady);
                return CompletableFuture.completedFuture(null);
              }
              waitingSince.remove(group.getShardId());
              Map<String, Integer> voters = new LinkedHashMap<>();
              change.voters().forEach(n -> voters.put(n, change.priorities().get(n)));
              LOG.info(
                  "{}: changing voters to {} (new replicas are caught up by Raft first)",
                  ShardMaps.describe(group.getShardId()),
                  change.voters());
              return host.proposeVoters(gid, voters, map)
                  .thenApply(x -> "voters are now " + change.voters());
            });
  }

  /**
   * Says, after {@link #WAIT_LOG_AFTER_MS} and then at most every {@link #WAIT_LOG_EVERY_MS}, that
   * a move waits for its new member: a move that never gets its replica created (the node down, or
   * not told of the move) is otherwise silent for as long as it waits.
   */
  private void noteWaitingFor(ShardInfo group, List<String> notReady) {
    long now = nowMs();
    Waiting w = waitingSince.computeIfAbsent(group.getShardId(), g -> new Waiting(now, -1));
    // A new member takes about a second to hear of its move: only a longer wait is worth a line.
    if (now - w.sinceMs() >= WAIT_LOG_AFTER_MS
        && (w.loggedMs() < 0 || now - w.loggedMs() >= WAIT_LOG_EVERY_MS)) {
      waitingSince.put(group.getShardId(), new Waiting(w.sinceMs(), now));
      LOG.info(
          "{}: waiting for {} to create its replica (for {} ms so far; the node learns of the move"
              + " from the shard map)",
          ShardMaps.describe(group.getShardId()),
          notReady,
          now - w.sinceMs());
    }
  }

  /** Whether {@code node} has created its replica of the group (false if it cannot be asked). */
  private CompletableFuture<Boolean> replicaReady(String node, RaftGroupId gid) {
    CompletableFuture<Boolean> out = new CompletableFuture<>();
    var channel = peers.to(node);
    if (channel.isEmpty()) {
      return CompletableFuture.completedFuture(false);
    }
    PeerGrpc.newStub(channel.get())
        .withDeadlineAfter(callTimeoutMs, TimeUnit.MILLISECONDS)
        .replicaReady(
            ReplicaReadyRequest.newBuilder().setGroupId(gid.getUuid().toString()).build(),
            new io.grpc.stub.StreamObserver<>() {
              @Override
              public void onNext(io.cairn.proto.internal.ReplicaReadyResponse r) {
                out.complete(r.getReady());
              }

              @Override
              public void onError(Throwable t) {
                out.complete(false);
              }

              @Override
              public void onCompleted() {
                out.complete(false);
              }
            });
    return out;
  }

  @Override
  public void close() {
    timer.cancel();
  }
}

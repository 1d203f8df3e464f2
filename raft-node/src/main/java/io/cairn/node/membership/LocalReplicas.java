package io.cairn.node.membership;

import io.cairn.node.replica.RaftHost;
import io.cairn.node.routing.ShardDirectory;
import io.cairn.node.runtime.Scheduler;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import io.cairn.statemachine.ShardMaps;
import java.io.Closeable;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.apache.ratis.protocol.RaftGroupId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the replicas on this node to what the shard map places here: creates an empty replica for a
 * move that targets this node (the group's leader then adds it, and Raft fills it), founds a shard
 * being added whose map names this node alone, and removes a replica once the map no longer names
 * this node for its group.
 *
 * <p>The map names a node until the Raft configuration change that removed it has committed (the
 * leader finishes a move in the map only then), so a removal never takes a voter out from under its
 * group. Only maps confirmed by the meta group count: before that the node's map is a guess
 * computed from its configuration, and acting on a guess could remove a real replica.
 */
public final class LocalReplicas implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalReplicas.class);

  private final RaftHost host;
  private final ShardDirectory directory;
  private final BooleanSupplier mapConfirmed;
  private final AtomicBoolean running = new AtomicBoolean();
  private final Scheduler.Cancellable timer;

  public LocalReplicas(
      RaftHost host,
      ShardDirectory directory,
      Scheduler scheduler,
      long periodMs,
      BooleanSupplier mapConfirmed) {
    this.host = host;
    this.directory = directory;
    this.mapConfirmed = mapConfirmed;
    directory.onChange(map -> scheduler.schedule(this::reconcile, 0));
    this.timer = scheduler.repeat("local-replicas", this::reconcile, periodMs, periodMs);
  }

  void reconcile() {
    if (!mapConfirmed.getAsBoolean() || !running.compareAndSet(false, true)) {
      return;
    }
    try {
      ShardMap map = directory.map();
      Set<RaftGroupId> local = host.localGroups();
      for (ShardInfo group : ShardMaps.groups(map)) {
        RaftGroupId gid = RaftHost.groupIdOf(group);
        try {
          switch (step(group, host.nodeId(), local.contains(gid), host.closedAfterLeaving(gid))) {
            case CREATE -> host.createReplica(group);
            case FOUND -> host.createFounder(group, map);
            case RECREATE -> {
              host.removeReplica(group);
              host.createReplica(group);
            }
            case REMOVE -> host.removeReplica(group);
            case NOTHING -> {}
          }
        } catch (Exception e) {
          LOG.warn(
              "{}: cannot bring this node's replica in line with map epoch {} (retried): {}",
              ShardMaps.describe(group.getShardId()),
              map.getEpoch(),
              e.toString());
        }
      }
    } finally {
      running.set(false);
    }
  }

  /** What to do about this node's replica of one group. */
  enum Step {
    CREATE,
    FOUND,
    RECREATE,
    REMOVE,
    NOTHING
  }

  /**
   * The step that brings {@code self}'s replica of {@code group} in line with the map.
   *
   * @param held this node holds a replica of the group (running or closed)
   * @param closedAfterLeaving that replica is closed because it left its group ({@link
   *     RaftHost#closedAfterLeaving})
   */
  static Step step(ShardInfo group, String self, boolean held, boolean closedAfterLeaving) {
    boolean named = ShardMaps.names(group, self);
    boolean moving = ShardMaps.moving(group);
    if (group.getFilling()
        && !held
        && !closedAfterLeaving
        && group.getReplicasCount() == 1
        && group.getReplicas(0).equals(self)) {
      // A shard being added, founded here: its only voter, with nothing anyone else holds yet.
      return Step.FOUND;
    }
    if (named && !held && moving && group.getMove().getTo().equals(self)) {
      return Step.CREATE;
    }
    // A replica that left its group while the map still shows a move away from this node left
    // by that very move: Raft committed the change before the map finished the move. It is not
    // wanted back, and re-creating it would give a later move back to this node a replica the
    // next map drops again while that move's leader is already catching it up: Ratis then waits
    // for that catch-up for ever (CI, chaos seed 15, 2026-12-03: shard 2 stuck mid-move).
    if (named && closedAfterLeaving && !(moving && group.getMove().getFrom().equals(self))) {
      // It left the group (a move away, or a move back that was cancelled) and the map wants
      // it again: the closed copy goes, an empty one comes, and the leader catches it up.
      return Step.RECREATE;
    }
    if (!named && held) {
      return Step.REMOVE;
    }
    return Step.NOTHING;
  }

  @Override
  public void close() {
    timer.cancel();
  }
}

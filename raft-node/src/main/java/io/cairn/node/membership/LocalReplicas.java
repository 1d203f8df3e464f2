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
 * move that targets this node (the group's leader then adds it, and Raft fills it), and removes a
 * replica once the map no longer names this node for its group.
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
        boolean named = ShardMaps.names(group, host.nodeId());
        try {
          if (named && !local.contains(gid) && isMoveTarget(group)) {
            host.createReplica(group);
          } else if (named && host.closedAfterLeaving(gid)) {
            // It left the group (a move away, or a move back that was cancelled) and the map wants
            // it again: the closed copy goes, an empty one comes, and the leader catches it up.
            host.removeReplica(group);
            host.createReplica(group);
          } else if (!named && local.contains(gid)) {
            host.removeReplica(group);
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

  private boolean isMoveTarget(ShardInfo group) {
    return ShardMaps.moving(group) && group.getMove().getTo().equals(host.nodeId());
  }

  @Override
  public void close() {
    timer.cancel();
  }
}

package io.cairn.node.membership;

import io.cairn.node.replica.RaftHost;
import io.cairn.node.routing.ShardDirectory;
import io.cairn.node.runtime.Scheduler;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.ratis.protocol.RaftGroupId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the Raft priorities of every group this node leads equal to the shard map's order: the
 * first replica 1, the others 0. The map says where leaders should be ({@link LeaderTransfers}, the
 * initial placement); Ratis moves leadership to the highest-priority voter once it has caught up.
 * Runs when the map changes and every {@code periodMs}, so a leader elected after the change (or
 * one whose change was refused because another was in progress) catches up with it.
 */
public final class PriorityReconciler implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(PriorityReconciler.class);

  private final RaftHost host;
  private final ShardDirectory directory;
  private final Set<RaftGroupId> inFlight = ConcurrentHashMap.newKeySet();
  private final Scheduler.Cancellable timer;

  public PriorityReconciler(
      RaftHost host, ShardDirectory directory, Scheduler scheduler, long periodMs) {
    this.host = host;
    this.directory = directory;
    directory.onChange(map -> reconcile());
    this.timer = scheduler.repeat("raft-priorities", this::reconcile, periodMs, periodMs);
  }

  /** Raft priority of each replica of {@code shard}: the first 1, the rest 0. */
  static Map<String, Integer> prioritiesOf(ShardInfo shard) {
    Map<String, Integer> wanted = new HashMap<>();
    List<String> replicas = shard.getReplicasList();
    for (int i = 0; i < replicas.size(); i++) {
      wanted.put(replicas.get(i), i == 0 ? 1 : 0);
    }
    return wanted;
  }

  void reconcile() {
    ShardMap map = directory.map();
    List<ShardInfo> groups = new ArrayList<>(map.getShardsList());
    groups.add(map.getMeta());
    for (ShardInfo shard : groups) {
      RaftGroupId gid = RaftHost.groupIdOf(shard);
      if (!inFlight.add(gid)) {
        continue;
      }
      host.applyPriorities(gid, prioritiesOf(shard))
          .whenComplete(
              (changed, error) -> {
                inFlight.remove(gid);
                if (error != null) {
                  LOG.info(
                      "{}: could not set Raft priorities from map epoch {} yet (retried): {}",
                      shard.getShardId() == 0 ? "meta group" : "shard " + shard.getShardId(),
                      map.getEpoch(),
                      error.toString());
                } else if (changed) {
                  LOG.info(
                      "{}: Raft priorities set from map epoch {}: {} preferred as leader",
                      shard.getShardId() == 0 ? "meta group" : "shard " + shard.getShardId(),
                      map.getEpoch(),
                      shard.getReplicas(0));
                }
              });
    }
  }

  @Override
  public void close() {
    timer.cancel();
  }
}

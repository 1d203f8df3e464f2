package io.cairn.node.membership;

import io.cairn.node.routing.MapChanges;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * {@code cairnctl leader transfer}: makes a node a shard's preferred leader by putting it first in
 * the shard's replica list, in a new map epoch. Nothing else moves leadership: the shard's leader
 * gives the new first replica the highest Raft priority ({@link PriorityReconciler}) and Ratis
 * hands over once it has caught up, and after any later failover leadership comes back to it. The
 * map stays the one record of where leaders should be, so a restart cannot undo a transfer.
 */
public final class LeaderTransfers {
  private final MapChanges changes;

  public LeaderTransfers(MapChanges changes) {
    this.changes = changes;
  }

  /**
   * Completes with the map that makes {@code nodeId} the preferred leader of {@code shardId}.
   *
   * @param stillWanted false once the caller has given up (the change is then not made)
   */
  public CompletableFuture<ShardMap> transfer(
      int shardId, String nodeId, BooleanSupplier stillWanted) {
    return changes.change(
        "leader transfer", map -> preferLeader(map, shardId, nodeId), stillWanted);
  }

  /**
   * {@code map} with {@code nodeId} first among the replicas of shard {@code shardId} (0: the meta
   * group), the others in their order; {@code map} itself if it is first already.
   *
   * @throws IllegalArgumentException if there is no such shard or the node holds no replica of it
   */
  static ShardMap preferLeader(ShardMap map, int shardId, String nodeId) {
    ShardInfo shard = shardId == 0 ? map.getMeta() : findShard(map, shardId);
    List<String> replicas = new ArrayList<>(shard.getReplicasList());
    if (!replicas.contains(nodeId)) {
      throw new IllegalArgumentException(
          (shardId == 0 ? "the meta group" : "shard " + shardId)
              + " has no replica on node '"
              + nodeId
              + "' (its replicas: "
              + String.join(", ", replicas)
              + "); a leader can only move to a replica");
    }
    if (replicas.get(0).equals(nodeId)) {
      return map;
    }
    replicas.remove(nodeId);
    replicas.add(0, nodeId);
    ShardInfo moved = shard.toBuilder().clearReplicas().addAllReplicas(replicas).build();
    ShardMap.Builder b = map.toBuilder();
    if (shardId == 0) {
      b.setMeta(moved);
    } else {
      for (int i = 0; i < b.getShardsCount(); i++) {
        if (b.getShards(i).getShardId() == shardId) {
          b.setShards(i, moved);
        }
      }
    }
    return b.build();
  }

  private static ShardInfo findShard(ShardMap map, int shardId) {
    return map.getShardsList().stream()
        .filter(s -> s.getShardId() == shardId)
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "the shard map (epoch " + map.getEpoch() + ") has no shard " + shardId));
  }
}

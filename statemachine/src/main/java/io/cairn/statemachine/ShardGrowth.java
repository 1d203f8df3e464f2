package io.cairn.statemachine;

import io.cairn.proto.NodeState;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;

/**
 * When a cluster adds a shard by itself (docs/shard-split.md): once it has {@code nodesPerShard}
 * active nodes per shard and one more full set, that is when {@code active / nodesPerShard} exceeds
 * the shard count. With the default of 3 (the replication factor), a 3-node cluster keeps one
 * shard, a sixth node brings a second, a ninth a third: every shard's replicas can sit on nodes of
 * their own, and writes spread over more leaders only when there are machines to spread them to.
 * Fewer shards pack more writes into each Raft entry (docs/benchmarks.md). Shards are never
 * removed, so a cluster that shrinks keeps the ones it has. Pure.
 */
public final class ShardGrowth {
  /** The most shards a cluster grows to by itself ({@code cluster.shards}' own limit). */
  public static final int SHARDS_MAX = 1_024;

  private ShardGrowth() {}

  /**
   * Whether {@code map}'s cluster should add a shard now: growth is on ({@code nodesPerShard > 0}),
   * no shard is filling, no replica is moving (a join's moves come first), and the active nodes
   * number more than {@code nodesPerShard} per shard.
   */
  public static boolean wantsAnother(ShardMap map, int nodesPerShard) {
    if (nodesPerShard <= 0 || map.getShardsCount() >= SHARDS_MAX) {
      return false;
    }
    for (ShardInfo g : ShardMaps.groups(map)) {
      if (g.getFilling() || ShardMaps.moving(g)) {
        return false;
      }
    }
    long active =
        map.getNodesList().stream().filter(n -> n.getState() == NodeState.NODE_ACTIVE).count();
    return active / nodesPerShard > map.getShardsCount();
  }
}

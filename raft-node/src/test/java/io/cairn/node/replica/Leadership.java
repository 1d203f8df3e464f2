package io.cairn.node.replica;

import static org.awaitility.Awaitility.await;

import io.cairn.node.testing.LocalCluster;
import java.time.Duration;

/**
 * Puts a shard's leadership where a test needs it, the way an operator does ({@code cairnctl leader
 * transfer}): the node becomes the shard's pinned preferred leader in the map, and the shard's
 * leader hands over to it. Pinned, it stays there: the rebalancer does not move it back.
 */
final class Leadership {
  private Leadership() {}

  /**
   * Makes node {@code node} the leader of {@code shardId} and returns it once it is the ready
   * leader.
   */
  static int moveTo(LocalCluster cluster, int shardId, int node) {
    cluster.transferLeader(node, shardId, "n" + node);
    await("n" + node + " leads shard " + shardId)
        .atMost(Duration.ofSeconds(30))
        .until(() -> cluster.leaderOf(shardId) == node);
    return node;
  }
}

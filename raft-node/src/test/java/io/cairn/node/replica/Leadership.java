package io.cairn.node.replica;

import static org.awaitility.Awaitility.await;

import io.cairn.node.testing.LocalCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;

/** Puts a shard's leadership where a test needs it, with Ratis's own transfer. */
final class Leadership {
  private Leadership() {}

  /**
   * Makes node {@code node} the leader of {@code shardId} and returns it once it is the ready
   * leader.
   */
  static int moveTo(LocalCluster cluster, int shardId, int node) {
    if (cluster.leaderOf(shardId) != node) {
      var shard = cluster.shard(shardId);
      try (RaftClient client =
          RaftClient.newBuilder()
              .setProperties(new RaftProperties())
              .setRaftGroup(
                  RaftGroup.valueOf(
                      RaftHost.groupIdOf(shard), RaftHost.peersOf(shard, cluster.map())))
              .build()) {
        client.admin().transferLeadership(RaftPeerId.valueOf("n" + node), 5_000);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    await("n" + node + " leads shard " + shardId)
        .atMost(Duration.ofSeconds(20))
        .until(() -> cluster.leaderOf(shardId) == node);
    return node;
  }
}

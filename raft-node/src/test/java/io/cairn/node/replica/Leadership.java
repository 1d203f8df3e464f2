package io.cairn.node.replica;

import static org.awaitility.Awaitility.await;

import io.cairn.node.testing.LocalCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * Puts a shard's leadership where a test needs it, the way Ratis 3.3.0 allows: a leader refuses to
 * transfer to a peer without the group's highest priority (and would later yield to the peer that
 * has it), so the target's priority is raised first with a configuration change.
 */
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
        RaftPeerId target = RaftPeerId.valueOf("n" + node);
        List<RaftPeer> reprioritised =
            RaftHost.peersOf(shard, cluster.map()).stream()
                .map(
                    p ->
                        RaftPeer.newBuilder(p)
                            .setPriority(p.getId().equals(target) ? 1 : 0)
                            .build())
                .toList();
        RaftClientReply reply = client.admin().setConfiguration(reprioritised);
        if (!reply.isSuccess()) {
          throw new IllegalStateException("raising n" + node + "'s priority: " + reply);
        }
        client.admin().transferLeadership(target, 5_000);
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

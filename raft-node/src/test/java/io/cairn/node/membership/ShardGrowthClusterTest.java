package io.cairn.node.membership;

import static io.cairn.node.membership.MembershipTest.assertAllReadable;
import static io.cairn.node.membership.MembershipTest.settles;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.node.testing.LocalCluster;
import io.cairn.node.testing.LocalClusterExtension;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A cluster adds shards by itself as it has nodes for them (membership.nodes-per-shard; here 1, so
 * 3 nodes want 3 shards): one at a time, each filled under writes, none lost.
 */
class ShardGrowthClusterTest {
  @RegisterExtension
  final LocalClusterExtension local =
      new LocalClusterExtension(
          b ->
              b.nodes(3)
                  .shards(1)
                  .config("membership.nodes-per-shard", "1")
                  .config("membership.tick-ms", "500"));

  @Test
  void aClusterWithNodesForMoreShardsAddsThemOneAtATime() throws Exception {
    LocalCluster cluster = local.cluster();
    cluster.awaitLeaders();
    try (MembershipTest.Writer writer = new MembershipTest.Writer(cluster, 100_000)) {
      settles(
          cluster,
          "3 shards serving",
          () -> {
            ShardMap m = cluster.map();
            return m.getShardsCount() == 3
                && m.getShardsList().stream().noneMatch(ShardInfo::getFilling);
          });
      int grown = writer.acked.size();
      await().atMost(Duration.ofSeconds(60)).until(() -> writer.acked.size() >= grown + 20);
      writer.close();
      assertAllReadable(cluster, writer.acked, 2);
      assertThat(writer.shardMoved).as("writes that saw SHARD_MOVED").hasValue(0);
    }
    ShardMap map = cluster.map();
    assertThat(map.getShardsList()).extracting(ShardInfo::getShardId).containsExactly(1, 2, 3);
    for (ShardInfo s : map.getShardsList()) {
      assertThat(s.getReplicasList()).hasSize(3);
      assertThat(cluster.replica(1, s.getShardId()).core().keyCount())
          .as("shard %d holds keys", s.getShardId())
          .isPositive();
    }
  }
}

package io.cairn.node.membership;

import static io.cairn.node.membership.MembershipTest.assertAllReadable;
import static io.cairn.node.membership.MembershipTest.awaitPlacementMatchesMap;
import static io.cairn.node.membership.MembershipTest.retried;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.node.testing.LocalCluster;
import io.cairn.node.testing.LocalClusterExtension;
import io.cairn.proto.MoveReplicaRequest;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import io.cairn.statemachine.ShardMaps;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code cairnctl shard move} with the rebalancer off (hand placement): one replica moves, its
 * leader first hands leadership over, and the old node lets its replica go.
 */
class ReplicaMoveTest {
  @RegisterExtension
  final LocalClusterExtension local =
      new LocalClusterExtension(b -> b.nodes(3).shards(2).config("membership.rebalance", "false"));

  @Test
  void anOperatorMovesTheLeadingReplicaUnderWritesAndTheOldNodeLetsItGo() throws Exception {
    LocalCluster cluster = local.cluster();
    cluster.awaitLeaders();
    int n4 = cluster.addNode();
    assertThat(ShardMaps.replicasOn(cluster.map(), "n" + n4)).isZero();
    int leader = cluster.leaderOf(1);
    String from = "n" + leader;
    try (MembershipTest.Writer writer = new MembershipTest.Writer(cluster, 100_000)) {
      await().atMost(Duration.ofSeconds(30)).until(() -> writer.acked.size() >= 50);
      ShardMap moving = MembershipTest.move(cluster, 2, 1, from, "n" + n4);
      assertThat(ShardMaps.group(moving, 1).getMove().getTo()).isEqualTo("n" + n4);
      await("the move finishes")
          .atMost(Duration.ofSeconds(60))
          .until(() -> ShardMaps.group(cluster.map(), 1).getReplicasList().contains("n" + n4));
      awaitPlacementMatchesMap(cluster, 1, 2, 3, n4);
      await().atMost(Duration.ofSeconds(30)).until(() -> writer.acked.size() >= 300);
      writer.close();
      assertAllReadable(cluster, writer.acked, n4);
    }
    ShardInfo shard = ShardMaps.group(cluster.map(), 1);
    assertThat(shard.getReplicasList()).hasSize(3).contains("n" + n4).doesNotContain(from);
    assertThat(cluster.leaderOf(1)).isNotEqualTo(leader);
  }

  @Test
  void aMoveToANodeThatNeverCreatesItsReplicaCanBeCancelled() {
    LocalCluster cluster = local.cluster();
    cluster.awaitLeaders();
    int n4 = cluster.addNode();
    cluster.stop(n4);
    ShardInfo before = cluster.shard(2);
    MembershipTest.move(cluster, 1, 2, before.getReplicas(1), "n" + n4);
    ShardMap cancelled =
        retried(
            () ->
                cluster
                    .clusterApi(1)
                    .moveReplica(
                        MoveReplicaRequest.newBuilder().setShardId(2).setCancel(true).build()));
    assertThat(ShardMaps.group(cancelled, 2).getReplicasList()).isEqualTo(before.getReplicasList());
    assertThat(ShardMaps.moving(ShardMaps.group(cancelled, 2))).isFalse();
  }
}

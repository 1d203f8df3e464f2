package io.cairn.node.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.cairn.node.testing.LocalCluster;
import io.cairn.node.testing.LocalClusterExtension;
import io.cairn.proto.ShardMap;
import io.cairn.proto.TransferLeaderResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Issue 9, item 1: {@code cairnctl leader transfer} on a running cluster. */
class LeaderTransferTest {
  @RegisterExtension
  final LocalClusterExtension local = new LocalClusterExtension(b -> b.nodes(3).shards(2));

  private static TransferLeaderResponse transfer(
      LocalCluster cluster, int through, int shard, String node) {
    return cluster.transferLeader(through, shard, node);
  }

  @Test
  void theNamedReplicaLeadsSoonAfterAndTheMapSaysSo() {
    LocalCluster cluster = local.cluster();
    int leader = cluster.leaderOf(1);
    int target = cluster.followerOf(1);
    int through = 6 - leader - target; // the third node: any node serves the call
    long epochBefore = cluster.map().getEpoch();

    TransferLeaderResponse r = transfer(cluster, through, 1, "n" + target);

    assertThat(r.getMapEpoch()).isEqualTo(epochBefore + 1);
    await("n" + target + " leads shard 1")
        .atMost(Duration.ofSeconds(30))
        .until(() -> cluster.leaderOf(1) == target);
    for (int i = 1; i <= 3; i++) {
      int node = i;
      await("n" + node + " has the new map")
          .atMost(Duration.ofSeconds(10))
          .until(() -> cluster.node(node).directory().map().getEpoch() >= r.getMapEpoch());
      ShardMap map = cluster.node(node).directory().map();
      assertThat(map.getShards(0).getReplicas(0)).isEqualTo("n" + target);
    }
  }

  @Test
  void leadershipComesBackToThePreferredReplicaAfterItRestarts() {
    LocalCluster cluster = local.cluster();
    int target = cluster.followerOf(2);
    transfer(cluster, 1, 2, "n" + target);
    await().atMost(Duration.ofSeconds(30)).until(() -> cluster.leaderOf(2) == target);

    cluster.stop(target);
    await().atMost(Duration.ofSeconds(30)).until(() -> cluster.leaderOf(2) != target);
    cluster.restart(target);

    await("leadership back at n" + target)
        .atMost(Duration.ofSeconds(30))
        .until(() -> cluster.leaderOf(2) == target);
  }

  @Test
  void transferringAgainToThePreferredLeaderChangesNothing() {
    LocalCluster cluster = local.cluster();
    String first = cluster.map().getShards(0).getReplicas(0);
    // The first call pins the operator's choice (the rebalancer leaves it be); a repeat is a no-op.
    long pinned = transfer(cluster, 1, 1, first).getMapEpoch();
    assertThat(cluster.map().getShards(0).getLeaderPinned()).isTrue();
    assertThat(transfer(cluster, 2, 1, first).getMapEpoch()).isEqualTo(pinned);
  }

  @Test
  void aNodeWithoutAReplicaOrAShardThatDoesNotExistIsRefusedClearly() {
    LocalCluster cluster = local.cluster();
    assertThatThrownBy(() -> transfer(cluster, 1, 1, "n9"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription())
                  .contains("shard 1 has no replica on node 'n9'");
            });
    assertThatThrownBy(() -> transfer(cluster, 1, 7, "n1"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getDescription()).contains("has no shard 7"));
    assertThat(cluster.map().getEpoch()).isEqualTo(1);
  }

  /**
   * A node that does not host the meta group learns new maps only by polling (here: not within the
   * test). A transfer through it must edit the meta group's map, not its own old copy, which would
   * make "back to the first replica" look like nothing to do and lose the command.
   */
  @Test
  void aTransferThroughANodeWithAnOldMapEditsTheCurrentOne() {
    try (LocalCluster cluster =
        LocalCluster.builder().nodes(4).shards(1).config("meta.poll-ms", "600000").start()) {
      List<String> metaReplicas = cluster.map().getMeta().getReplicasList();
      int stale =
          IntStream.rangeClosed(1, 4)
              .filter(i -> !metaReplicas.contains("n" + i))
              .findFirst()
              .orElseThrow();
      List<String> replicas = cluster.map().getShards(0).getReplicasList();
      String first = replicas.get(0);
      String second = replicas.get(1);
      int other = Integer.parseInt(metaReplicas.get(0).substring(1)); // hosts the meta group
      // Confirmed before the first transfer, so its copy stays at epoch 1 (a node that confirms
      // later would read epoch 2 from the meta group).
      await("n" + stale + " confirmed the first map")
          .atMost(Duration.ofSeconds(30))
          .until(() -> cluster.node(stale).mapConfirmed());

      assertThat(transfer(cluster, other, 1, second).getMapEpoch()).isEqualTo(2);
      assertThat(cluster.node(stale).directory().map().getEpoch()).isEqualTo(1);

      TransferLeaderResponse back = transfer(cluster, stale, 1, first);

      assertThat(back.getMapEpoch()).isEqualTo(3);
      await("n" + other + " has epoch 3")
          .atMost(Duration.ofSeconds(10))
          .until(() -> cluster.node(other).directory().map().getEpoch() == 3);
      assertThat(cluster.node(other).directory().map().getShards(0).getReplicas(0))
          .isEqualTo(first);
    }
  }
}

package io.cairn.statemachine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.proto.NodeInfo;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ShardPlacementTest {

  private static List<NodeInfo> nodes(int n) {
    return nodes("n", n);
  }

  private static List<NodeInfo> nodes(String idPrefix, int n) {
    return IntStream.rangeClosed(1, n)
        .mapToObj(
            i ->
                NodeInfo.newBuilder()
                    .setId(idPrefix + i)
                    .setHost("10.0.0." + i)
                    .setRaftPort(7000)
                    .setClientPort(7100)
                    .setHttpPort(7200)
                    .build())
        .toList();
  }

  @Test
  void theMapIsAPureFunctionOfItsInputsWhateverTheNodeOrder() {
    List<NodeInfo> nodes = nodes(5);
    List<NodeInfo> shuffled = new ArrayList<>(nodes);
    Collections.reverse(shuffled);

    ShardMap a = ShardPlacement.initialMap("prod", nodes, 16, 3, 128);
    ShardMap b = ShardPlacement.initialMap("prod", shuffled, 16, 3, 128);

    assertThat(b).isEqualTo(a);
    assertThat(a.getNodesList())
        .extracting(NodeInfo::getId)
        .containsExactly("n1", "n2", "n3", "n4", "n5");
  }

  @Test
  void theMapDescribesTheClusterAtEpochOne() {
    ShardMap map = ShardPlacement.initialMap("prod", nodes(4), 8, 3, 64);
    assertThat(map.getClusterId()).isEqualTo("prod");
    assertThat(map.getEpoch()).isEqualTo(1);
    assertThat(map.getVirtualNodesPerShard()).isEqualTo(64);
    assertThat(map.getReplicationFactor()).isEqualTo(3);
    assertThat(map.getShardsList())
        .extracting(ShardInfo::getShardId)
        .containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
  }

  @Test
  void groupIdsAreNameBasedUuidsOfTheClusterAndShard() {
    ShardMap map = ShardPlacement.initialMap("prod", nodes(3), 2, 3, 16);
    assertThat(map.getShards(1).getGroupId())
        .isEqualTo(
            UUID.nameUUIDFromBytes("prod/shard/2".getBytes(StandardCharsets.UTF_8)).toString());
    assertThat(map.getMeta().getGroupId())
        .isEqualTo(UUID.nameUUIDFromBytes("prod/meta".getBytes(StandardCharsets.UTF_8)).toString());
    ShardMap other = ShardPlacement.initialMap("staging", nodes(3), 2, 3, 16);
    assertThat(other.getShards(1).getGroupId()).isNotEqualTo(map.getShards(1).getGroupId());
  }

  @Test
  void everyShardHasReplicationFactorDistinctReplicas() {
    ShardMap map = ShardPlacement.initialMap("prod", nodes(7), 32, 3, 128);
    for (ShardInfo shard : map.getShardsList()) {
      assertThat(shard.getReplicasList())
          .hasSize(3)
          .doesNotHaveDuplicates()
          .allMatch(id -> id.matches("n[1-7]"));
    }
  }

  @Test
  void theMetaGroupHasShardIdZeroThreeReplicasAndFiveFromFiveNodesOn() {
    ShardInfo four = ShardPlacement.initialMap("prod", nodes(4), 4, 3, 32).getMeta();
    assertThat(four.getShardId()).isZero();
    assertThat(four.getReplicasList()).hasSize(3).doesNotHaveDuplicates();
    ShardInfo big = ShardPlacement.initialMap("prod", nodes(9), 4, 5, 32).getMeta();
    assertThat(big.getReplicasList()).hasSize(5).doesNotHaveDuplicates();

    ShardInfo small = ShardPlacement.initialMap("prod", nodes(2), 4, 1, 32).getMeta();
    assertThat(small.getReplicasList()).containsExactlyInAnyOrder("n1", "n2");
  }

  @ParameterizedTest
  @ValueSource(ints = {3, 4, 5, 7})
  void thePreferredLeadersOfTheShardsAreSpreadEvenly(int nodeCount) {
    for (int shards : new int[] {3, 6, 8, 20}) {
      ShardMap map = ShardPlacement.initialMap("prod", nodes(nodeCount), shards, 3, 64);
      Map<String, Integer> firsts = new HashMap<>();
      nodes(nodeCount).forEach(n -> firsts.put(n.getId(), 0));
      map.getShardsList().forEach(s -> firsts.merge(s.getReplicas(0), 1, Integer::sum));
      int max = firsts.values().stream().max(Integer::compare).orElseThrow();
      int min = firsts.values().stream().min(Integer::compare).orElseThrow();
      assertThat(max - min)
          .as("%d nodes, %d shards: %s", nodeCount, shards, firsts)
          .isLessThanOrEqualTo(1);
    }
  }

  @Test
  void theInitialPlacementHoldsTheNodesThePlannerChoseForAnEmptyCluster() {
    ShardMap map = ShardPlacement.initialMap("c", nodes(5), 6, 3, 16);
    List<ReplicaPlanner.Group> groups = new ArrayList<>();
    groups.add(new ReplicaPlanner.Group(0, 5, List.of()));
    IntStream.rangeClosed(1, 6)
        .forEach(id -> groups.add(new ReplicaPlanner.Group(id, 3, List.of())));
    Map<String, ReplicaPlanner.Role> roles = new java.util.TreeMap<>();
    nodes(5).forEach(n -> roles.put(n.getId(), ReplicaPlanner.Role.ACCEPTS));

    Map<Integer, List<String>> plan = ReplicaPlanner.plan(groups, roles);

    assertThat(map.getMeta().getReplicasList()).isEqualTo(plan.get(0));
    for (ShardInfo shard : map.getShardsList()) {
      // Same nodes; the order may differ (preferred leaders first).
      assertThat(shard.getReplicasList())
          .containsExactlyInAnyOrderElementsOf(plan.get(shard.getShardId()));
    }
  }

  /** Placement depends on node ids (not the cluster id), so vary how nodes are named. */
  @ParameterizedTest
  @ValueSource(strings = {"n", "node-", "10.0.0.", "host-a"})
  void replicasAreSpreadEvenly(String nodeIdPrefix) {
    int nodeCount = 9;
    int shards = 64;
    int replicationFactor = 3;
    ShardMap map =
        ShardPlacement.initialMap(
            "prod", nodes(nodeIdPrefix, nodeCount), shards, replicationFactor, 128);

    Map<String, Integer> replicasPerNode = new HashMap<>();
    map.getShardsList()
        .forEach(s -> s.getReplicasList().forEach(n -> replicasPerNode.merge(n, 1, Integer::sum)));
    // The meta group's replicas count too: a replica is a replica.
    map.getMeta().getReplicasList().forEach(n -> replicasPerNode.merge(n, 1, Integer::sum));
    double fair = (double) (shards * replicationFactor + 5) / nodeCount;
    assertThat(replicasPerNode).hasSize(nodeCount);
    assertThat(replicasPerNode.values())
        .allSatisfy(count -> assertThat((double) count).isBetween(fair - 1, fair + 1));
  }

  @Test
  void rejectsAReplicationFactorOutsideOneToTheNodeCount() {
    assertThatThrownBy(() -> ShardPlacement.initialMap("c", nodes(3), 4, 4, 16))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("replication factor is 4")
        .hasMessageContaining("between 1 and the number of nodes (3)");
    assertThatThrownBy(() -> ShardPlacement.initialMap("c", nodes(3), 4, 0, 16))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("replication factor is 0");
  }

  @Test
  void rejectsFewerThanOneShard() {
    assertThatThrownBy(() -> ShardPlacement.initialMap("c", nodes(3), 0, 3, 16))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("shards is 0; it must be at least 1");
  }

  @Test
  void rejectsRepeatedOrMalformedNodes() {
    List<NodeInfo> twice = new ArrayList<>(nodes(3));
    twice.add(nodes(3).get(1));
    assertThatThrownBy(() -> ShardPlacement.initialMap("c", twice, 4, 3, 16))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("node id 'n2' appears more than once");

    List<NodeInfo> unnamed = List.of(NodeInfo.newBuilder().setHost("h").build());
    assertThatThrownBy(() -> ShardPlacement.initialMap("c", unnamed, 1, 1, 16))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("node id '' must be 1-64 letters");

    List<NodeInfo> badHost = List.of(nodes(1).get(0).toBuilder().setHost("a b").build());
    assertThatThrownBy(() -> ShardPlacement.initialMap("c", badHost, 1, 1, 16))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("initial shard map: node 'n1' has host 'a b'");
  }

  @Test
  void rejectsNoNodesAnEmptyClusterIdAndNoVirtualNodes() {
    assertThatThrownBy(() -> ShardPlacement.initialMap("c", List.of(), 1, 1, 16))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("node list is empty");
    assertThatThrownBy(() -> ShardPlacement.initialMap("", nodes(1), 1, 1, 16))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cluster id");
    assertThatThrownBy(() -> ShardPlacement.initialMap("c", nodes(1), 1, 1, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("virtual nodes per shard is 0");
  }
}

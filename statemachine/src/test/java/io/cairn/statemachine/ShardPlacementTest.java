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
  void theMetaGroupHasShardIdZeroAndAtMostThreeReplicas() {
    ShardInfo big = ShardPlacement.initialMap("prod", nodes(9), 4, 5, 32).getMeta();
    assertThat(big.getShardId()).isZero();
    assertThat(big.getReplicasList()).hasSize(3).doesNotHaveDuplicates();

    ShardInfo small = ShardPlacement.initialMap("prod", nodes(2), 4, 1, 32).getMeta();
    assertThat(small.getReplicasList()).containsExactlyInAnyOrder("n1", "n2");
  }

  @Test
  void replicasFollowTheNodeRingFromTheShardsPoint() {
    // An independent, naive walk: sort every node point, start at the shard's point.
    List<NodeInfo> nodes = nodes(5);
    int vnodes = 8;
    record Point(long position, String node) {}
    List<Point> ring = new ArrayList<>();
    for (NodeInfo n : nodes) {
      for (int v = 0; v < vnodes; v++) {
        ring.add(new Point(hash("node/" + n.getId() + "/vnode/" + v), n.getId()));
      }
    }
    ring.sort((x, y) -> Long.compareUnsigned(x.position(), y.position()));

    ShardMap map = ShardPlacement.initialMap("c", nodes, 6, 3, vnodes);
    for (ShardInfo shard : map.getShardsList()) {
      long start = hash("placement/shard/" + shard.getShardId());
      List<String> expected = new ArrayList<>();
      int i = 0;
      while (i < ring.size() && Long.compareUnsigned(ring.get(i).position(), start) < 0) {
        i++;
      }
      for (int step = 0; expected.size() < 3; step++) {
        String node = ring.get((i + step) % ring.size()).node();
        if (!expected.contains(node)) {
          expected.add(node);
        }
      }
      assertThat(shard.getReplicasList())
          .as("shard %d", shard.getShardId())
          .containsExactlyElementsOf(expected);
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
    double fair = (double) shards * replicationFactor / nodeCount;
    assertThat(replicasPerNode).hasSize(nodeCount);
    assertThat(replicasPerNode.values())
        .allSatisfy(count -> assertThat((double) count).isBetween(0.5 * fair, 1.5 * fair));
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
  void rejectsRepeatedOrEmptyNodeIds() {
    List<NodeInfo> twice = new ArrayList<>(nodes(3));
    twice.add(NodeInfo.newBuilder().setId("n2").build());
    assertThatThrownBy(() -> ShardPlacement.initialMap("c", twice, 4, 3, 16))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("node id 'n2' appears more than once");

    List<NodeInfo> unnamed = List.of(NodeInfo.newBuilder().setHost("h").build());
    assertThatThrownBy(() -> ShardPlacement.initialMap("c", unnamed, 1, 1, 16))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty id");
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

  private static long hash(String s) {
    return io.cairn.proto.KeyHash.hash64(s.getBytes(StandardCharsets.UTF_8));
  }
}

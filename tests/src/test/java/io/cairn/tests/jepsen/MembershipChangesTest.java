package io.cairn.tests.jepsen;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.proto.NodeInfo;
import io.cairn.proto.NodeState;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When the harness calls a settled placement complete (before it runs cairnctl verify). */
class MembershipChangesTest {

  private static ShardMap map(List<NodeInfo> nodes, List<String> meta, List<String>... shards) {
    ShardMap.Builder b =
        ShardMap.newBuilder()
            .setReplicationFactor(3)
            .addAllNodes(nodes)
            .setMeta(ShardInfo.newBuilder().setShardId(0).addAllReplicas(meta));
    for (int i = 0; i < shards.length; i++) {
      b.addShards(ShardInfo.newBuilder().setShardId(i + 1).addAllReplicas(shards[i]));
    }
    return b.build();
  }

  private static NodeInfo node(String id, NodeState state) {
    return NodeInfo.newBuilder().setId(id).setState(state).build();
  }

  private static final List<NodeInfo> FOUR_ACTIVE =
      List.of(
          node("n1", NodeState.NODE_ACTIVE),
          node("n2", NodeState.NODE_ACTIVE),
          node("n3", NodeState.NODE_ACTIVE),
          node("n4", NodeState.NODE_ACTIVE));

  @Test
  void threeReplicasOfEveryGroupOnActiveNodesIsComplete() {
    ShardMap m =
        map(
            FOUR_ACTIVE,
            List.of("n1", "n2", "n3"),
            List.of("n1", "n2", "n4"),
            List.of("n2", "n3", "n4"));

    assertThat(MembershipChanges.placementProblems(m)).isEmpty();
  }

  @Test
  void aReplicaLeftOnADrainingNodeOrAMissingOneIsNot() {
    List<NodeInfo> nodes =
        List.of(
            node("n1", NodeState.NODE_ACTIVE),
            node("n2", NodeState.NODE_ACTIVE),
            node("n3", NodeState.NODE_ACTIVE),
            node("n4", NodeState.NODE_DRAINING));
    ShardMap m = map(nodes, List.of("n1", "n2", "n3"), List.of("n1", "n2", "n4"), List.of("n2"));

    assertThat(MembershipChanges.placementProblems(m))
        .containsExactly(
            "shard 1 has a replica on n4, not an active node",
            "shard 2 has replicas [n2], wanted 3 distinct");
  }

  @Test
  void fiveActiveNodesWantFiveMetaReplicas() {
    List<NodeInfo> five = new java.util.ArrayList<>(FOUR_ACTIVE);
    five.add(node("n5", NodeState.NODE_ACTIVE));
    ShardMap m = map(five, List.of("n1", "n2", "n3"), List.of("n1", "n2", "n4"));

    assertThat(MembershipChanges.placementProblems(m))
        .containsExactly("the meta group has replicas [n1, n2, n3], wanted 5 distinct");
  }
}

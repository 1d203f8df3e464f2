package io.cairn.statemachine;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.proto.NodeInfo;
import io.cairn.proto.NodeState;
import io.cairn.proto.ReplicaMove;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MapChangeCheckTest {
  private static NodeInfo node(String id, String host) {
    return NodeInfo.newBuilder()
        .setId(id)
        .setHost(host)
        .setRaftPort(7000)
        .setClientPort(7001)
        .setHttpPort(7002)
        .build();
  }

  private static ShardInfo group(int id, String gid, String... replicas) {
    return ShardInfo.newBuilder()
        .setShardId(id)
        .setGroupId(gid)
        .addAllReplicas(java.util.List.of(replicas))
        .build();
  }

  private static final ShardMap HELD =
      ShardMap.newBuilder()
          .setClusterId("c")
          .setEpoch(4)
          .setVirtualNodesPerShard(8)
          .setReplicationFactor(2)
          .addNodes(node("n1", "10.0.0.1"))
          .addNodes(node("n2", "10.0.0.2"))
          .addNodes(node("n3", "10.0.0.3").toBuilder().setState(NodeState.NODE_REMOVED))
          .addShards(group(1, "g1", "n1", "n2"))
          .addShards(group(2, "g2", "n2", "n1"))
          .setMeta(group(0, "gm", "n1", "n2"))
          .build();

  private static void check(ShardMap next) {
    MapChangeCheck.check(Optional.of(HELD), next);
  }

  @Test
  void acceptsTheChangesMembershipMakes() {
    ShardMap joined =
        HELD.toBuilder()
            .setEpoch(5)
            .addNodes(node("n4", "10.0.0.4"))
            .setShards(
                0,
                HELD.getShards(0).toBuilder()
                    .setMove(ReplicaMove.newBuilder().setFrom("n2").setTo("n4")))
            .setNodes(1, HELD.getNodes(1).toBuilder().setState(NodeState.NODE_DRAINING))
            .build();
    assertThatCode(() -> check(joined)).doesNotThrowAnyException();
    assertThatCode(() -> MapChangeCheck.check(Optional.empty(), HELD)).doesNotThrowAnyException();
  }

  @Test
  void aNodeAcceptedByOlderRulesDoesNotBlockLaterChanges() {
    // Node ids had no length limit before 2026-12-04: such a node stays listed for good.
    NodeInfo legacy = node("n".repeat(70), "10.0.0.8");
    ShardMap held = HELD.toBuilder().addNodes(legacy).build();
    ShardMap draining =
        held.toBuilder()
            .setEpoch(5)
            .setNodes(1, held.getNodes(1).toBuilder().setState(NodeState.NODE_DRAINING))
            .build();
    assertThatCode(() -> MapChangeCheck.check(Optional.of(held), draining))
        .doesNotThrowAnyException();
    ShardMap anotherLikeIt =
        draining.toBuilder().addNodes(node("m".repeat(70), "10.0.0.9")).build();
    assertThatThrownBy(() -> MapChangeCheck.check(Optional.of(held), anotherLikeIt))
        .hasMessageContaining("1-64 letters");
  }

  @Test
  void refusesAChangedAddress() {
    ShardMap forged =
        HELD.toBuilder().setNodes(0, HELD.getNodes(0).toBuilder().setClientPort(6666)).build();
    assertThatThrownBy(() -> check(forged)).hasMessageContaining("node n1's addresses changed");
  }

  @Test
  void refusesARemovedNodeComingBackOrANodeDropped() {
    ShardMap back =
        HELD.toBuilder()
            .setNodes(2, HELD.getNodes(2).toBuilder().setState(NodeState.NODE_ACTIVE))
            .build();
    assertThatThrownBy(() -> check(back))
        .hasMessageContaining("n3 was removed and cannot come back");
    ShardMap dropped = HELD.toBuilder().removeNodes(2).build();
    assertThatThrownBy(() -> check(dropped)).hasMessageContaining("node n3 is missing");
  }

  @Test
  void takesAnAddedShardAndItsLaterServing() {
    ShardMap added =
        HELD.toBuilder().addShards(group(3, "g3", "n1").toBuilder().setFilling(true)).build();
    assertThatCode(() -> check(added)).doesNotThrowAnyException();
    ShardMap serving =
        added.toBuilder().setShards(2, added.getShards(2).toBuilder().setFilling(false)).build();
    assertThatCode(() -> MapChangeCheck.check(Optional.of(added), serving))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> MapChangeCheck.check(Optional.of(serving), added))
        .hasMessageContaining("shard 3 serves keys in the held map");
    ShardMap backToFilling =
        HELD.toBuilder().setShards(0, HELD.getShards(0).toBuilder().setFilling(true)).build();
    assertThatThrownBy(() -> check(backToFilling)).hasMessageContaining("cannot go back");
    ShardMap withoutTheNewOne = HELD;
    assertThatThrownBy(() -> MapChangeCheck.check(Optional.of(added), withoutTheNewOne))
        .hasMessageContaining("shard 3 is missing");
  }

  @Test
  void refusesSwappedGroupsAndRingChanges() {
    ShardMap swapped =
        HELD.toBuilder().setShards(1, HELD.getShards(1).toBuilder().setGroupId("evil")).build();
    assertThatThrownBy(() -> check(swapped)).hasMessageContaining("another group id");
    ShardMap fewer = HELD.toBuilder().removeShards(1).build();
    assertThatThrownBy(() -> check(fewer)).hasMessageContaining("shard 2 is missing");
    ShardMap ring = HELD.toBuilder().setVirtualNodesPerShard(9).build();
    assertThatThrownBy(() -> check(ring)).hasMessageContaining("virtual_nodes_per_shard");
    ShardMap other = HELD.toBuilder().setClusterId("d").build();
    assertThatThrownBy(() -> check(other)).hasMessageContaining("cluster id");
  }

  @Test
  void refusesReplicasOnUnlistedNodesAndMalformedNodes() {
    ShardMap stranger = HELD.toBuilder().setShards(0, group(1, "g1", "n1", "n9")).build();
    assertThatThrownBy(() -> check(stranger)).hasMessageContaining("names node n9");
    ShardMap twice = HELD.toBuilder().setShards(0, group(1, "g1", "n1", "n1")).build();
    assertThatThrownBy(() -> check(twice)).hasMessageContaining("names replica n1 twice");
    ShardMap move =
        HELD.toBuilder()
            .setMeta(HELD.getMeta().toBuilder().setMove(ReplicaMove.newBuilder().setTo("n7")))
            .build();
    assertThatThrownBy(() -> check(move)).hasMessageContaining("the meta group names node n7");
    ShardMap dup = HELD.toBuilder().addNodes(node("n1", "10.0.0.9")).build();
    assertThatThrownBy(() -> check(dup)).hasMessageContaining("lists node n1 twice");
    ShardMap badPort =
        HELD.toBuilder().addNodes(node("n5", "10.0.0.5").toBuilder().setHttpPort(0)).build();
    assertThatThrownBy(() -> MapChangeCheck.check(Optional.empty(), badPort))
        .hasMessageContaining("port 0");
    ShardMap badId = HELD.toBuilder().addNodes(node("n 6\n", "h")).build();
    assertThatThrownBy(() -> MapChangeCheck.check(Optional.empty(), badId))
        .hasMessageContaining("node id");
  }
}

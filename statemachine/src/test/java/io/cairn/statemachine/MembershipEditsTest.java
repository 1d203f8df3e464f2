package io.cairn.statemachine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.proto.NodeInfo;
import io.cairn.proto.NodeState;
import io.cairn.proto.ReplicaMove;
import io.cairn.proto.ShardMap;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class MembershipEditsTest {
  static NodeInfo node(int i) {
    return NodeInfo.newBuilder()
        .setId("n" + i)
        .setHost("10.0.0." + i)
        .setRaftPort(7000)
        .setClientPort(7001)
        .setHttpPort(7002)
        .setPeerPort(7003)
        .build();
  }

  static ShardMap cluster(int nodes, int shards) {
    return ShardPlacement.initialMap(
        "c",
        IntStream.rangeClosed(1, nodes).mapToObj(MembershipEditsTest::node).toList(),
        shards,
        3,
        16);
  }

  @Test
  void anAddedShardIsFillingOnOneFounderAndTheRebalancerGrowsItToTheReplicationFactor() {
    ShardMap map = MembershipEdits.addNode(cluster(3, 2), node(4));
    ShardMap added = MembershipEdits.addShard(map);
    io.cairn.proto.ShardInfo shard = ShardMaps.group(added, 3);
    assertThat(shard.getFilling()).isTrue();
    assertThat(shard.getReplicasList()).hasSize(1);
    assertThat(ShardMaps.node(added, shard.getReplicas(0))).isPresent();
    assertThat(shard.getGroupId())
        .isNotIn(map.getShardsList().stream().map(s -> s.getGroupId()).toList());
    MapChangeCheck.check(java.util.Optional.of(map), added);

    assertThatThrownBy(() -> MembershipEdits.addShard(added))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("shard 3 is still being added");

    ShardMap settled = RebalancePlanTest.settle(added, java.util.Map.of(), 2);
    assertThat(ShardMaps.group(settled, 3).getReplicasList()).hasSize(3).doesNotHaveDuplicates();
    assertThat(ShardMaps.group(settled, 3).getFilling()).isTrue();

    ShardMap serving = MembershipEdits.markServing(settled, 3);
    assertThat(ShardMaps.group(serving, 3).getFilling()).isFalse();
    assertThat(MembershipEdits.markServing(serving, 3)).isSameAs(serving);
    MapChangeCheck.check(java.util.Optional.of(settled), serving);
    assertThat(MembershipEdits.addShard(serving).getShardsList()).hasSize(4);
  }

  @Test
  void anAddedShardIsFoundedOnAnActiveNodeOnly() {
    ShardMap map = cluster(3, 1);
    ShardMap drained =
        MembershipEdits.setState(
            MembershipEdits.setState(map, "n1", NodeState.NODE_DRAINING),
            "n2",
            NodeState.NODE_DRAINING);
    assertThat(ShardMaps.group(MembershipEdits.addShard(drained), 2).getReplicasList())
        .containsExactly("n3");
    ShardMap none = MembershipEdits.setState(drained, "n3", NodeState.NODE_DRAINING);
    assertThatThrownBy(() -> MembershipEdits.addShard(none))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no node is ACTIVE");
  }

  @Test
  void addingANodeListsItActiveAndAddingItAgainIsANoOp() {
    ShardMap map = cluster(3, 3);
    ShardMap added = MembershipEdits.addNode(map, node(4));
    assertThat(ShardMaps.node(added, "n4"))
        .get()
        .extracting(NodeInfo::getState)
        .isEqualTo(NodeState.NODE_ACTIVE);
    assertThat(MembershipEdits.addNode(added, node(4))).isSameAs(added);
  }

  @Test
  void aNodeIdOrAddressInUseIsRefused() {
    ShardMap map = cluster(3, 3);
    NodeInfo movedN1 = node(1).toBuilder().setHost("10.9.9.9").build();
    assertThatThrownBy(() -> MembershipEdits.addNode(map, movedN1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("already in the cluster");
    NodeInfo onN2sPorts = node(2).toBuilder().setId("n9").build();
    assertThatThrownBy(() -> MembershipEdits.addNode(map, onN2sPorts))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("other ports");
    assertThatThrownBy(() -> MembershipEdits.addNode(map, node(5).toBuilder().setId("").build()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> MembershipEdits.addNode(map, node(5).toBuilder().setRaftPort(0).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ports are 1-65535");
  }

  @Test
  void aNewNodeNeedsAPeerPortOfItsOwn() {
    ShardMap map = cluster(3, 3);
    assertThatThrownBy(
            () -> MembershipEdits.addNode(map, node(5).toBuilder().setPeerPort(0).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no peer port");
    assertThatThrownBy(
            () -> MembershipEdits.addNode(map, node(5).toBuilder().setPeerPort(70_000).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ports are 1-65535");
    assertThatThrownBy(
            () -> MembershipEdits.addNode(map, node(5).toBuilder().setPeerPort(-1).build()))
        .as("uint32 above 2^31")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ports are 1-65535");
    NodeInfo peerOnN2sClientPort =
        node(2).toBuilder()
            .setId("n9")
            .setRaftPort(8000)
            .setClientPort(8001)
            .setHttpPort(8002)
            .setPeerPort(7001)
            .build();
    assertThatThrownBy(() -> MembershipEdits.addNode(map, peerOnN2sClientPort))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("other ports");
    NodeInfo sharingN2sPeerPort = peerOnN2sClientPort.toBuilder().setPeerPort(7003).build();
    assertThatThrownBy(() -> MembershipEdits.addNode(map, sharingN2sPeerPort))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("other ports");
    assertThatThrownBy(
            () ->
                MembershipEdits.addNode(
                    map, node(5).toBuilder().setClientHost("db5.example.com:7001").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("client host");
    NodeInfo sameHostOtherPorts = peerOnN2sClientPort.toBuilder().setPeerPort(8003).build();
    assertThat(MembershipEdits.addNode(map, sameHostOtherPorts).getNodesList())
        .anyMatch(n -> n.getId().equals("n9") && n.getPeerPort() == 8003);
  }

  @Test
  void onlyIdsAndHostsANodeCanHaveAreAccepted() {
    ShardMap map = cluster(3, 3);
    for (String id : new String[] {"a".repeat(65), "n 5", "n5\u0000", "n\u00e9", "../n5"}) {
      assertThatThrownBy(() -> MembershipEdits.addNode(map, node(5).toBuilder().setId(id).build()))
          .as(id)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("1-64 letters");
    }
    for (String host :
        new String[] {"", " ", "host name", "10.0.0.5:7000", "a".repeat(300), "\u0000", "-x"}) {
      assertThatThrownBy(
              () -> MembershipEdits.addNode(map, node(5).toBuilder().setHost(host).build()))
          .as(host)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("a host is a DNS name or an IP address");
    }
    for (String host :
        new String[] {"10.0.0.5", "db-5.example.com", "db-5.example.com.", "cairn_1", "::1", "h"}) {
      assertThat(
              MembershipEdits.addNode(map, node(5).toBuilder().setHost(host).build())
                  .getNodesCount())
          .as(host)
          .isEqualTo(4);
    }
    assertThat(
            MembershipEdits.addNode(map, node(5).toBuilder().setId("a".repeat(64)).build())
                .getNodesCount())
        .isEqualTo(4);
  }

  @Test
  void aRemovedIdCannotComeBack() {
    ShardMap map = MembershipEdits.addNode(cluster(3, 3), node(4));
    ShardMap removed = MembershipEdits.removeNode(map, "n4", false);
    assertThat(ShardMaps.node(removed, "n4"))
        .get()
        .extracting(NodeInfo::getState)
        .isEqualTo(NodeState.NODE_REMOVED);
    assertThatThrownBy(() -> MembershipEdits.addNode(removed, node(4)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("new node.id");
    assertThatThrownBy(() -> MembershipEdits.setState(removed, "n4", NodeState.NODE_ACTIVE))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void removingANodeThatHoldsReplicasNeedsForceAndCancelsMovesToIt() {
    ShardMap map = MembershipEdits.addNode(cluster(3, 3), node(4));
    ShardMap moving =
        MembershipEdits.startMove(map, 1, ShardMaps.group(map, 1).getReplicas(0), "n4", 3);
    assertThatThrownBy(() -> MembershipEdits.removeNode(moving, "n4", false))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("drain it first");
    ShardMap forced = MembershipEdits.removeNode(moving, "n4", true);
    assertThat(ShardMaps.moving(ShardMaps.group(forced, 1))).isFalse();
    assertThatThrownBy(() -> MembershipEdits.removeNode(forced, "n1", false))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aMoveIsCheckedThenFinishedWithTheTargetLast() {
    ShardMap map = MembershipEdits.addNode(cluster(3, 1), node(4));
    List<String> before = ShardMaps.group(map, 1).getReplicasList();
    String first = before.get(0);
    assertThatThrownBy(() -> MembershipEdits.startMove(map, 1, "n4", "n1", 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no replica on node 'n4'");
    assertThatThrownBy(() -> MembershipEdits.startMove(map, 1, first, before.get(1), 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("already has a replica");
    assertThatThrownBy(() -> MembershipEdits.startMove(map, 1, first, "", 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fewer than the 3");
    assertThatThrownBy(() -> MembershipEdits.startMove(map, 7, first, "n4", 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no shard 7");

    ShardMap moving = MembershipEdits.startMove(map, 1, first, "n4", 3);
    assertThat(MembershipEdits.startMove(moving, 1, first, "n4", 3)).isSameAs(moving);
    assertThatThrownBy(() -> MembershipEdits.startMove(moving, 1, before.get(1), "n4", 3))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already moving");
    assertThat(ShardMaps.replicasOn(moving, "n4")).isEqualTo(1);

    ReplicaMove move = ShardMaps.group(moving, 1).getMove();
    ShardMap done = MembershipEdits.finishMove(moving, 1, move);
    assertThat(ShardMaps.group(done, 1).getReplicasList())
        .containsExactly(before.get(1), before.get(2), "n4");
    assertThat(ShardMaps.moving(ShardMaps.group(done, 1))).isFalse();
    assertThat(MembershipEdits.finishMove(done, 1, move)).isSameAs(done);
  }

  @Test
  void aMoveToADrainingNodeIsRefused() {
    ShardMap map =
        MembershipEdits.setState(
            MembershipEdits.addNode(cluster(3, 1), node(4)), "n4", NodeState.NODE_DRAINING);
    assertThatThrownBy(
            () ->
                MembershipEdits.startMove(map, 1, ShardMaps.group(map, 1).getReplicas(0), "n4", 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("draining");
  }

  @Test
  void cancellingAMoveLeavesTheReplicasAsTheyWere() {
    ShardMap map = MembershipEdits.addNode(cluster(3, 1), node(4));
    ShardMap moving = MembershipEdits.startMove(map, 0, "", "n4", 3);
    assertThat(ShardMaps.wantedVoters(ShardMaps.group(moving, 0))).hasSize(4).contains("n4");
    ShardMap cancelled = MembershipEdits.cancelMove(moving, 0);
    assertThat(cancelled.getMeta()).isEqualTo(map.getMeta());
    assertThat(MembershipEdits.cancelMove(cancelled, 0)).isSameAs(cancelled);
  }

  @Test
  void aNodeThatLostItsDataIsDroppedFromEveryGroupAndItsMoves() {
    ShardMap map = MembershipEdits.addNode(cluster(3, 2), node(4));
    String first = ShardMaps.group(map, 1).getReplicas(0);
    map = MembershipEdits.preferLeader(map, 1, first, true);
    map = MembershipEdits.startMove(map, 2, ShardMaps.group(map, 2).getReplicas(1), "n4", 3);
    ShardMap dropped =
        MembershipEdits.addNode(map, node(Integer.parseInt(first.substring(1))), true);
    for (var g : ShardMaps.groups(dropped)) {
      assertThat(g.getReplicasList()).doesNotContain(first);
    }
    assertThat(ShardMaps.group(dropped, 1).getLeaderPinned()).isFalse();
    ShardMap again = MembershipEdits.dropLostReplicas(dropped, first);
    assertThat(again).isEqualTo(dropped);
    ShardMap newNodeLost = MembershipEdits.addNode(map, node(5), true);
    assertThat(ShardMaps.replicasOn(newNodeLost, "n5")).isZero();
    ShardMap moveTargetLost = MembershipEdits.dropLostReplicas(map, "n4");
    assertThat(ShardMaps.moving(ShardMaps.group(moveTargetLost, 2))).isFalse();
  }

  @Test
  void theOnlyReplicaOfAGroupCannotBeDropped() {
    ShardMap single = ShardPlacement.initialMap("c", List.of(node(1)), 1, 1, 16);
    assertThatThrownBy(() -> MembershipEdits.dropLostReplicas(single, "n1"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("only replica");
  }

  @Test
  void preferLeaderPutsTheNodeFirst() {
    ShardMap map = cluster(3, 1);
    List<String> r = ShardMaps.group(map, 1).getReplicasList();
    ShardMap moved = MembershipEdits.preferLeader(map, 1, r.get(2));
    assertThat(ShardMaps.group(moved, 1).getReplicasList())
        .containsExactly(r.get(2), r.get(0), r.get(1));
    assertThat(MembershipEdits.preferLeader(moved, 1, r.get(2))).isSameAs(moved);
  }
}

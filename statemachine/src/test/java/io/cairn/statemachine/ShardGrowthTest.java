package io.cairn.statemachine;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.proto.NodeState;
import io.cairn.proto.ReplicaMove;
import io.cairn.proto.ShardMap;
import org.junit.jupiter.api.Test;

class ShardGrowthTest {
  private static ShardMap withNodes(ShardMap map, int from, int to) {
    ShardMap out = map;
    for (int i = from; i <= to; i++) {
      out = MembershipEdits.addNode(out, MembershipEditsTest.node(i));
    }
    return out;
  }

  @Test
  void aShardMoreForEveryFullSetOfNodesPerShard() {
    ShardMap three = MembershipEditsTest.cluster(3, 1);
    assertThat(ShardGrowth.wantsAnother(three, 3)).isFalse();
    assertThat(ShardGrowth.wantsAnother(withNodes(three, 4, 5), 3)).isFalse();
    ShardMap six = withNodes(three, 4, 6);
    assertThat(ShardGrowth.wantsAnother(six, 3)).isTrue();

    ShardMap two = MembershipEdits.markServing(MembershipEdits.addShard(six), 2);
    assertThat(ShardGrowth.wantsAnother(two, 3)).isFalse();
    assertThat(ShardGrowth.wantsAnother(withNodes(two, 7, 9), 3)).isTrue();
  }

  @Test
  void onlyActiveNodesCountAndNeverWhileAShardFillsOrAReplicaMoves() {
    ShardMap six = withNodes(MembershipEditsTest.cluster(3, 1), 4, 6);
    assertThat(
            ShardGrowth.wantsAnother(
                MembershipEdits.setState(six, "n6", NodeState.NODE_DRAINING), 3))
        .isFalse();
    assertThat(ShardGrowth.wantsAnother(MembershipEdits.addShard(six), 1)).isFalse();
    ShardMap moving =
        ShardMaps.withGroup(
            six,
            ShardMaps.group(six, 1).toBuilder()
                .setMove(ReplicaMove.newBuilder().setFrom("n1").setTo("n4"))
                .build());
    assertThat(ShardGrowth.wantsAnother(moving, 3)).isFalse();
  }

  @Test
  void zeroTurnsGrowthOffAndAClusterWithMoreShardsKeepsThem() {
    ShardMap six = withNodes(MembershipEditsTest.cluster(3, 1), 4, 6);
    assertThat(ShardGrowth.wantsAnother(six, 0)).isFalse();
    assertThat(ShardGrowth.wantsAnother(MembershipEditsTest.cluster(3, 3), 1)).isFalse();
    assertThat(ShardGrowth.wantsAnother(MembershipEditsTest.cluster(3, 2), 1)).isTrue();
  }
}

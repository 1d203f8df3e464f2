package io.cairn.node.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.ratis.protocol.RaftGroupId;
import org.junit.jupiter.api.Test;

class LeaderHintsTest {
  private final RaftGroupId gid = RaftGroupId.valueOf(UUID.randomUUID());
  private final Map<RaftGroupId, String> local = new HashMap<>();
  private final LeaderHints hints = new LeaderHints("n2", g -> Optional.ofNullable(local.get(g)));

  private ShardDirectory.Route route() {
    ShardInfo shard =
        ShardInfo.newBuilder()
            .setShardId(3)
            .setGroupId(gid.getUuid().toString())
            .addReplicas("n5")
            .addReplicas("n3")
            .addReplicas("n4")
            .build();
    return new ShardDirectory.Route(3, gid, shard, ShardMap.getDefaultInstance().getEpoch());
  }

  @Test
  void theLocalReplicasViewComesFirstThenWhatForwardingLearned() {
    hints.learned(gid, "n3");
    assertThat(hints.leaderOf(gid)).contains("n3");
    local.put(gid, "n4");
    assertThat(hints.leaderOf(gid)).contains("n4");
  }

  /**
   * Found by a membership soak (seed 201): a node that had led a shard and then moved off it kept
   * "itself" as the learned leader, so it refused every write for that shard as its leader and
   * never forwarded one again.
   */
  @Test
  void aNodeWithoutAReplicaNeverTakesItselfForTheLeader() {
    hints.learned(gid, "n2");
    assertThat(hints.leaderOf(gid)).isEmpty();
    assertThat(hints.forwardTarget(route())).isEqualTo("n5");
  }

  /**
   * Found by the grow-and-shrink chaos run (seed 16): a node without a replica of shard 1 had
   * learned that n1 led it; n1 was drained and removed, and the node forwarded every write for the
   * shard to the stopped n1 for good (UNAVAILABLE, which teaches no new leader).
   */
  @Test
  void aLeaderTheMapNoLongerNamesIsForgotten() {
    hints.learned(gid, "n1");

    assertThat(hints.forwardTarget(route())).isEqualTo("n5");
    assertThat(hints.leaderOf(gid)).isEmpty();
  }

  @Test
  void theReplicaAMoveIsAddingMayLead() {
    hints.learned(gid, "n7");
    ShardDirectory.Route moving =
        new ShardDirectory.Route(
            3,
            gid,
            route().shard().toBuilder()
                .setMove(io.cairn.proto.ReplicaMove.newBuilder().setFrom("n5").setTo("n7"))
                .build(),
            0);

    assertThat(hints.forwardTarget(moving)).isEqualTo("n7");
  }

  @Test
  void anUnreachableLeaderIsForgottenButAnotherHintStays() {
    hints.learned(gid, "n3");
    hints.unreachable(gid, "n4");
    assertThat(hints.leaderOf(gid)).contains("n3");

    hints.unreachable(gid, "n3");
    assertThat(hints.leaderOf(gid)).isEmpty();
    assertThat(hints.forwardTarget(route())).isEqualTo("n5");
  }
}

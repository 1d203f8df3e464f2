package io.cairn.node.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.node.membership.LocalReplicas.Step;
import io.cairn.proto.ReplicaMove;
import io.cairn.proto.ShardInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

class LocalReplicasTest {
  private static ShardInfo shard(List<String> replicas, String from, String to) {
    ShardInfo.Builder b = ShardInfo.newBuilder().setShardId(2).addAllReplicas(replicas);
    if (from != null || to != null) {
      b.setMove(
          ReplicaMove.newBuilder().setFrom(from == null ? "" : from).setTo(to == null ? "" : to));
    }
    return b.build();
  }

  @Test
  void onlyTheSoleReplicaOfAFillingShardFoundsIt() {
    ShardInfo founding = shard(List.of("n4"), null, null).toBuilder().setFilling(true).build();
    assertThat(LocalReplicas.step(founding, "n4", false, false)).isEqualTo(Step.FOUND);
    assertThat(LocalReplicas.step(founding, "n4", true, false)).isEqualTo(Step.NOTHING);
    assertThat(LocalReplicas.step(founding, "n5", false, false)).isEqualTo(Step.NOTHING);

    ShardInfo growing = shard(List.of("n4"), null, "n5").toBuilder().setFilling(true).build();
    assertThat(LocalReplicas.step(growing, "n4", false, false)).isEqualTo(Step.FOUND);
    assertThat(LocalReplicas.step(growing, "n5", false, false)).isEqualTo(Step.CREATE);

    // Once it has more voters, or serves, a missing replica is never founded again.
    ShardInfo grown = shard(List.of("n4", "n5"), null, null).toBuilder().setFilling(true).build();
    assertThat(LocalReplicas.step(grown, "n4", false, false)).isEqualTo(Step.NOTHING);
    ShardInfo serving = shard(List.of("n4"), null, null);
    assertThat(LocalReplicas.step(serving, "n4", false, false)).isEqualTo(Step.NOTHING);
  }

  @Test
  void theTargetOfAMoveCreatesAnEmptyReplica() {
    ShardInfo moving = shard(List.of("n2", "n3", "n4"), "n3", "n5");

    assertThat(LocalReplicas.step(moving, "n5", false, false)).isEqualTo(Step.CREATE);
  }

  @Test
  void aReplicaThatLeftByAMoveStillShownInProgressIsLeftAlone() {
    // Raft removed n5 before the map finished the move n5 -> n3: the map still names n5.
    ShardInfo moving = shard(List.of("n2", "n4", "n5"), "n5", "n3");

    assertThat(LocalReplicas.step(moving, "n5", true, true)).isEqualTo(Step.NOTHING);
  }

  @Test
  void aReplicaThatLeftIsRecreatedWhenTheMapWantsItBack() {
    ShardInfo settled = shard(List.of("n2", "n4", "n5"), null, null);
    ShardInfo movingBack = shard(List.of("n2", "n3", "n4"), "n3", "n5");

    assertThat(LocalReplicas.step(settled, "n5", true, true)).isEqualTo(Step.RECREATE);
    assertThat(LocalReplicas.step(movingBack, "n5", true, true)).isEqualTo(Step.RECREATE);
  }

  @Test
  void aReplicaTheMapNoLongerNamesIsRemoved() {
    ShardInfo settled = shard(List.of("n2", "n3", "n4"), null, null);

    assertThat(LocalReplicas.step(settled, "n5", true, false)).isEqualTo(Step.REMOVE);
    assertThat(LocalReplicas.step(settled, "n5", true, true)).isEqualTo(Step.REMOVE);
  }

  @Test
  void aRunningReplicaTheMapNamesStays() {
    ShardInfo settled = shard(List.of("n2", "n3", "n5"), null, null);
    ShardInfo movingAway = shard(List.of("n2", "n3", "n5"), "n5", "n4");

    assertThat(LocalReplicas.step(settled, "n5", true, false)).isEqualTo(Step.NOTHING);
    assertThat(LocalReplicas.step(movingAway, "n5", true, false)).isEqualTo(Step.NOTHING);
    assertThat(LocalReplicas.step(settled, "n1", false, false)).isEqualTo(Step.NOTHING);
  }
}

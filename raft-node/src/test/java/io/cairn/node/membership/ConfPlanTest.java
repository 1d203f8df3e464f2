package io.cairn.node.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.proto.ReplicaMove;
import io.cairn.proto.ShardInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConfPlanTest {
  private static final Set<String> ALL = Set.of("a", "b", "c", "d");

  static ShardInfo group(List<String> replicas, String from, String to) {
    ShardInfo.Builder b = ShardInfo.newBuilder().setShardId(1).addAllReplicas(replicas);
    if (from != null) {
      b.setMove(ReplicaMove.newBuilder().setFrom(from).setTo(to));
    }
    return b.build();
  }

  static Map<String, Integer> voters(Object... idThenPriority) {
    Map<String, Integer> m = new LinkedHashMap<>();
    for (int i = 0; i < idThenPriority.length; i += 2) {
      m.put((String) idThenPriority[i], (Integer) idThenPriority[i + 1]);
    }
    return m;
  }

  @Test
  void aConfigurationThatMatchesTheMapNeedsNothing() {
    ShardInfo g = group(List.of("a", "b", "c"), null, null);
    assertThat(ConfPlan.next(g, "a", voters("a", 0, "b", 0, "c", 0), true, ALL))
        .isEqualTo(new ConfPlan.Nothing());
  }

  /** Priorities can deadlock an election (ConfPlan); those older nodes set are cleared first. */
  @Test
  void prioritiesAnOlderNodeSetAreMadeEqual() {
    ShardInfo g = group(List.of("b", "a", "c"), null, null);
    assertThat(ConfPlan.next(g, "a", voters("a", 1, "b", 0, "c", 0), true, ALL))
        .isEqualTo(new ConfPlan.SetPriorities(Map.of("b", 0, "a", 0, "c", 0)));
  }

  @Test
  void aLeaderThatIsNotThePreferredOneHandsOverToItIfItAnswers() {
    ShardInfo g = group(List.of("b", "a", "c"), null, null);
    assertThat(ConfPlan.next(g, "a", voters("a", 0, "b", 0, "c", 0), true, ALL))
        .isEqualTo(new ConfPlan.TransferLeadership("b"));
    assertThat(ConfPlan.next(g, "a", voters("a", 0, "b", 0, "c", 0), true, Set.of("c")))
        .isEqualTo(new ConfPlan.Nothing());
  }

  @Test
  void nothingHappensDuringAConfigurationChange() {
    ShardInfo g = group(List.of("a", "b", "c"), "c", "d");
    assertThat(ConfPlan.next(g, "a", voters("a", 0, "b", 0, "c", 0), false, ALL))
        .isInstanceOf(ConfPlan.Wait.class);
  }

  @Test
  void aMoveBecomesOneVoterChangeWithTheTargetToBeCaughtUp() {
    ShardInfo g = group(List.of("a", "b", "c"), "c", "d");
    ConfPlan.Action a = ConfPlan.next(g, "a", voters("a", 0, "b", 0, "c", 0), true, ALL);
    assertThat(a)
        .isEqualTo(
            new ConfPlan.ChangeVoters(
                List.of("a", "b", "d"), Map.of("a", 0, "b", 0, "d", 0), List.of("d")));
  }

  @Test
  void aLeaderThatIsMovingAwayHandsLeadershipOverFirst() {
    ShardInfo g = group(List.of("a", "b", "c"), "a", "d");
    assertThat(ConfPlan.next(g, "a", voters("a", 1, "b", 0, "c", 0), true, ALL))
        .isEqualTo(new ConfPlan.SetPriorities(Map.of("a", 0, "b", 0, "c", 0)));
    assertThat(ConfPlan.next(g, "a", voters("a", 0, "b", 0, "c", 0), true, ALL))
        .isEqualTo(new ConfPlan.TransferLeadership("b"));
    assertThat(ConfPlan.next(g, "a", voters("a", 0, "b", 0, "c", 0), true, Set.of("c")))
        .isInstanceOf(ConfPlan.Wait.class);
    // The new leader carries on with the change.
    assertThat(ConfPlan.next(g, "b", voters("a", 0, "b", 0, "c", 0), true, ALL))
        .isEqualTo(
            new ConfPlan.ChangeVoters(
                List.of("b", "c", "d"), Map.of("b", 0, "c", 0, "d", 0), List.of("d")));
  }

  @Test
  void votersThatMatchAMoveFinishItInTheMap() {
    ShardInfo g = group(List.of("a", "b", "c"), "c", "d");
    assertThat(ConfPlan.next(g, "b", voters("a", 0, "b", 0, "d", 0), true, ALL))
        .isEqualTo(new ConfPlan.FinishMove(g.getMove()));
  }

  @Test
  void aCancelledMoveThatAlreadyChangedTheVotersIsChangedBack() {
    ShardInfo g = group(List.of("a", "b", "c"), null, null);
    assertThat(ConfPlan.next(g, "a", voters("a", 0, "b", 0, "d", 0), true, ALL))
        .isEqualTo(
            new ConfPlan.ChangeVoters(
                List.of("a", "b", "c"), Map.of("a", 0, "b", 0, "c", 0), List.of("c")));
  }

  @Test
  void anAddOnlyMoveGrowsTheGroup() {
    ShardInfo g = group(List.of("a", "b", "c"), "", "d");
    assertThat(ConfPlan.next(g, "a", voters("a", 0, "b", 0, "c", 0), true, ALL))
        .isEqualTo(
            new ConfPlan.ChangeVoters(
                List.of("a", "b", "c", "d"), Map.of("a", 0, "b", 0, "c", 0, "d", 0), List.of("d")));
  }
}

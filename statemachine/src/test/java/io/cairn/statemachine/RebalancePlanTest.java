package io.cairn.statemachine;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.proto.NodeState;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import io.cairn.statemachine.RebalancePlan.Liveness;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Runs the rebalancer's steps to their end, completing every move between steps as the shards'
 * leaders would, and checks where that leaves the cluster.
 */
class RebalancePlanTest {
  private static final int STEPS_MAX = 500;

  /** Steps until nothing changes; returns the final map. Checks every intermediate map. */
  static ShardMap settle(ShardMap map, Map<String, Liveness> liveness, int movesMax) {
    for (int step = 0; step < STEPS_MAX; step++) {
      ShardMap next = RebalancePlan.next(map, liveness, movesMax);
      long moving = ShardMaps.groups(next).stream().filter(ShardMaps::moving).count();
      assertThat(moving).as("moves in progress").isLessThanOrEqualTo(movesMax);
      for (ShardInfo g : ShardMaps.groups(next)) {
        int wanted =
            g.getShardId() == 0 ? Math.min(3, g.getReplicasCount()) : next.getReplicationFactor();
        assertThat(ShardMaps.wantedVoters(g).size())
            .as("voters of %s after a move", ShardMaps.describe(g.getShardId()))
            .isGreaterThanOrEqualTo(Math.min(wanted, g.getReplicasCount()));
      }
      ShardMap done = next;
      for (ShardInfo g : ShardMaps.groups(next)) {
        if (ShardMaps.moving(g)) {
          done = MembershipEdits.finishMove(done, g.getShardId(), g.getMove());
        }
      }
      if (done.equals(map) && next.equals(map)) {
        return map;
      }
      map = done;
    }
    throw new AssertionError("the rebalancer did not settle in " + STEPS_MAX + " steps");
  }

  static Map<String, Integer> replicasPerNode(ShardMap map, boolean dataOnly) {
    Map<String, Integer> count = new HashMap<>();
    List<ShardInfo> groups = dataOnly ? map.getShardsList() : ShardMaps.groups(map);
    for (ShardInfo g : groups) {
      for (String n : g.getReplicasList()) {
        count.merge(n, 1, Integer::sum);
      }
    }
    return count;
  }

  static void assertBalanced(ShardMap map, Set<String> usable) {
    for (ShardInfo g : ShardMaps.groups(map)) {
      assertThat(new HashSet<>(g.getReplicasList()))
          .as("distinct replicas")
          .hasSize(g.getReplicasCount());
      assertThat(usable)
          .as("nodes of %s", ShardMaps.describe(g.getShardId()))
          .containsAll(g.getReplicasList());
    }
    for (ShardInfo s : map.getShardsList()) {
      assertThat(s.getReplicasCount()).isEqualTo(map.getReplicationFactor());
    }
    Map<String, Integer> perNode = replicasPerNode(map, false);
    usable.forEach(n -> perNode.putIfAbsent(n, 0));
    int max = perNode.values().stream().max(Integer::compare).orElse(0);
    int min = perNode.values().stream().min(Integer::compare).orElse(0);
    assertThat(max - min).as("replicas per node %s", perNode).isLessThanOrEqualTo(1);
    Map<String, Integer> leaders = new HashMap<>();
    usable.forEach(n -> leaders.put(n, 0));
    map.getShardsList().forEach(s -> leaders.merge(s.getReplicas(0), 1, Integer::sum));
    int lmax = leaders.values().stream().max(Integer::compare).orElse(0);
    int lmin = leaders.values().stream().min(Integer::compare).orElse(0);
    assertThat(lmax - lmin).as("preferred leaders per node %s", leaders).isLessThanOrEqualTo(1);
  }

  static Set<String> ids(int from, int to) {
    Set<String> s = new HashSet<>();
    for (int i = from; i <= to; i++) {
      s.add("n" + i);
    }
    return s;
  }

  @Test
  void aBalancedClusterIsLeftAlone() {
    ShardMap map = MembershipEditsTest.cluster(3, 3);
    assertThat(RebalancePlan.next(map, Map.of(), 2)).isSameAs(map);
  }

  @Test
  void aNewNodeTakesItsShareAndTheMetaGroupGrowsToFiveWithFiveNodes() {
    ShardMap map = MembershipEditsTest.cluster(3, 6);
    map = MembershipEdits.addNode(map, MembershipEditsTest.node(4));
    map = settle(map, Map.of(), 2);
    assertBalanced(map, ids(1, 4));
    assertThat(map.getMeta().getReplicasCount()).isEqualTo(3);
    map = MembershipEdits.addNode(map, MembershipEditsTest.node(5));
    map = settle(map, Map.of(), 1);
    assertBalanced(map, ids(1, 5));
    assertThat(map.getMeta().getReplicasCount()).isEqualTo(5);
  }

  @Test
  void aDrainingNodeIsEmptiedAndTheMetaGroupShrinksBackToThree() {
    ShardMap map = MembershipEditsTest.cluster(5, 6);
    assertThat(map.getMeta().getReplicasCount()).isEqualTo(5);
    map = MembershipEdits.setState(map, "n5", NodeState.NODE_DRAINING);
    map = settle(map, Map.of(), 2);
    assertThat(ShardMaps.replicasOn(map, "n5")).isZero();
    assertThat(map.getMeta().getReplicasCount()).isEqualTo(3);
    assertBalanced(map, ids(1, 4));
    assertThat(MembershipEdits.removeNode(map, "n5", false)).isNotNull();
  }

  @Test
  void aNodeDownBrieflyKeepsItsReplicasButLosesItsLeaderships() {
    ShardMap map = MembershipEditsTest.cluster(4, 8);
    ShardMap after = settle(map, Map.of("n4", Liveness.DOWN), 2);
    assertThat(replicasPerNode(after, true).get("n4"))
        .isEqualTo(replicasPerNode(map, true).get("n4"));
    assertThat(after.getShardsList()).noneMatch(s -> s.getReplicas(0).equals("n4"));
  }

  @Test
  void aNodeDownTooLongHasItsReplicasRecreatedElsewhere() {
    ShardMap map = MembershipEditsTest.cluster(4, 8);
    ShardMap after = settle(map, Map.of("n2", Liveness.DOWN_TOO_LONG), 2);
    assertThat(ShardMaps.replicasOn(after, "n2")).isZero();
    assertBalanced(after, Set.of("n1", "n3", "n4"));
  }

  @Test
  void aMoveToANodeThatWasDrainedMeanwhileIsCancelled() {
    ShardMap map =
        MembershipEdits.addNode(MembershipEditsTest.cluster(3, 3), MembershipEditsTest.node(4));
    ShardMap moving = RebalancePlan.next(map, Map.of(), 1);
    ShardInfo g =
        ShardMaps.groups(moving).stream().filter(ShardMaps::moving).findFirst().orElseThrow();
    assertThat(g.getMove().getTo()).isEqualTo("n4");
    ShardMap drained = MembershipEdits.setState(moving, "n4", NodeState.NODE_DRAINING);
    ShardMap next = RebalancePlan.next(drained, Map.of(), 1);
    assertThat(ShardMaps.groups(next))
        .noneMatch(x -> ShardMaps.moving(x) && x.getMove().getTo().equals("n4"));
  }

  @Property(tries = 60)
  void growingAndShrinkingAlwaysEndsBalanced(
      @ForAll @IntRange(min = 3, max = 7) int seeds,
      @ForAll @IntRange(min = 1, max = 24) int shards,
      @ForAll @IntRange(min = 0, max = 3) int added,
      @ForAll @IntRange(min = 0, max = 2) int drained,
      @ForAll @IntRange(min = 1, max = 4) int movesMax) {
    ShardMap map = MembershipEditsTest.cluster(seeds, shards);
    for (int i = 1; i <= added; i++) {
      map = MembershipEdits.addNode(map, MembershipEditsTest.node(seeds + i));
    }
    int total = seeds + added;
    int drain = Math.min(drained, total - 3);
    Set<String> usable = ids(1, total);
    for (int i = 1; i <= drain; i++) {
      map = MembershipEdits.setState(map, "n" + i, NodeState.NODE_DRAINING);
      usable.remove("n" + i);
    }
    map = settle(map, Map.of(), movesMax);
    assertBalanced(map, usable);
    int active = usable.size();
    assertThat(map.getMeta().getReplicasCount()).isEqualTo(active >= 5 ? 5 : 3);
    for (int i = 1; i <= drain; i++) {
      assertThat(ShardMaps.replicasOn(map, "n" + i)).isZero();
    }
  }
}

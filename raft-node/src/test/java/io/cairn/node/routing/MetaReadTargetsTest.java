package io.cairn.node.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.proto.NodeInfo;
import io.cairn.proto.ReplicaMove;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class MetaReadTargetsTest {
  private final MetaReadTargets targets = new MetaReadTargets();

  /** Five nodes; the meta group on n4, n2, n1 and moving to take n5 in. */
  private static ShardMap map() {
    ShardMap.Builder b =
        ShardMap.newBuilder()
            .setEpoch(26)
            .setMeta(
                ShardInfo.newBuilder()
                    .setShardId(-1)
                    .addReplicas("n4")
                    .addReplicas("n2")
                    .addReplicas("n1")
                    .setMove(ReplicaMove.newBuilder().setTo("n5")));
    for (int i = 1; i <= 5; i++) {
      b.addNodes(NodeInfo.newBuilder().setId("n" + i));
    }
    return b.build();
  }

  /** The CI failure of 2026-12-06: the named leader is not a meta replica in this node's map. */
  @Test
  void aNamedLeaderIsAskedEvenIfThisNodesMapDoesNotListItAsAMetaReplica() {
    ShardMap map = map().toBuilder().setMeta(map().getMeta().toBuilder().clearMove()).build();
    String first = targets.next(map);

    boolean soon = targets.failed(first, "n5");

    assertThat(soon).isTrue();
    assertThat(targets.next(map)).isEqualTo("n5");
  }

  @Test
  void theNodeThatAnsweredIsAskedAgain() {
    String first = targets.next(map());
    targets.answered(first);

    assertThat(targets.next(map())).isEqualTo(first);
    assertThat(targets.next(map())).isEqualTo(first);
  }

  @Test
  void withoutAHintTheMetaReplicasAndTheMoveTargetAreAskedInTurn() {
    Set<String> asked = new TreeSet<>();
    for (int i = 0; i < 4; i++) {
      String t = targets.next(map());
      asked.add(t);
      assertThat(targets.failed(t, "")).isFalse();
    }

    assertThat(asked).containsExactly("n1", "n2", "n4", "n5");
  }

  @Test
  void aRefusalNamingItselfIsNotFollowed() {
    String first = targets.next(map());

    assertThat(targets.failed(first, first)).isFalse();
    assertThat(targets.next(map())).isNotEqualTo(first);
  }

  /** Two stale replicas that name each other must not be asked in turn for ever. */
  @Test
  void hintsAreFollowedABoundedNumberOfTimesInARow() {
    List<String> asked = new ArrayList<>();
    String t = targets.next(map());
    for (int i = 0; i < 20; i++) {
      asked.add(t);
      targets.failed(t, t.equals("n2") ? "n1" : "n2");
      t = targets.next(map());
    }

    assertThat(asked.subList(1, 1 + MetaReadTargets.HINTS_IN_A_ROW_MAX))
        .allMatch(n -> n.equals("n1") || n.equals("n2"));
    assertThat(asked.subList(1, asked.size())).anyMatch(n -> !n.equals("n1") && !n.equals("n2"));
  }

  /** A meta group that moved off every node this copy names is found through the other nodes. */
  @Test
  void afterARoundOfFailuresEveryNodeOfTheMapIsAsked() {
    ShardMap map = map().toBuilder().setMeta(map().getMeta().toBuilder().clearMove()).build();
    Set<String> asked = new TreeSet<>();
    for (int i = 0; i < 20; i++) {
      String t = targets.next(map);
      asked.add(t);
      targets.failed(t, "");
    }

    assertThat(asked).containsExactly("n1", "n2", "n3", "n4", "n5");
  }
}

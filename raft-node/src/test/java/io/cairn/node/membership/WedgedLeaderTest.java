package io.cairn.node.membership;

import static io.cairn.node.membership.MembershipTest.assertAllReadable;
import static io.cairn.node.membership.MembershipTest.awaitPlacementMatchesMap;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.node.testing.LocalCluster;
import io.cairn.node.testing.LocalClusterExtension;
import io.cairn.proto.NodeInfo;
import io.cairn.statemachine.ShardMaps;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A leader whose Ratis leader state refuses every configuration change (the second membership
 * soak's stuck meta move, docs/correctness.md) steps down, and the next term finishes the move.
 *
 * <p>The soak got there by a race inside Ratis that a test cannot time: the leader kept a log
 * appender for a peer removed from the group, and adding that peer back failed. This test puts the
 * leader in the same state directly, through Ratis 3.3.0's package-private leader state; should a
 * Ratis upgrade rename what it calls, the test fails with NoSuchMethodException and must be
 * re-pointed, not deleted.
 */
class WedgedLeaderTest {
  @RegisterExtension
  final LocalClusterExtension local =
      new LocalClusterExtension(b -> b.nodes(3).shards(2).config("membership.rebalance", "false"));

  @Test
  void aLeaderThatCannotChangeItsConfigurationStepsDownAndTheMoveCompletes() throws Exception {
    LocalCluster cluster = local.cluster();
    cluster.awaitLeaders();
    int n4 = cluster.addNode();
    String target = "n" + n4;
    int leader = cluster.leaderOf(1);
    String from = "n" + cluster.followerOf(1);
    leaveStaleAppender(
        cluster.node(leader).host().division(cluster.groupOf(1)).orElseThrow(),
        raftPeerOf(cluster, target));

    try (MembershipTest.Writer writer = new MembershipTest.Writer(cluster, 100_000)) {
      await().atMost(Duration.ofSeconds(30)).until(() -> writer.acked.size() >= 50);
      MembershipTest.move(cluster, 2, 1, from, target);
      // Without the step-down the leader refuses the change for the rest of its term: forever,
      // in a healthy group.
      await("the move finishes")
          .atMost(Duration.ofSeconds(60))
          .until(() -> ShardMaps.group(cluster.map(), 1).getReplicasList().contains(target));
      awaitPlacementMatchesMap(cluster, 1, 2, 3, n4);
      await().atMost(Duration.ofSeconds(30)).until(() -> writer.acked.size() >= 300);
      writer.close();
      assertAllReadable(cluster, writer.acked, n4);
    }
    assertThat(ShardMaps.group(cluster.map(), 1).getReplicasList())
        .hasSize(3)
        .contains(target)
        .doesNotContain(from);
  }

  private static RaftPeer raftPeerOf(LocalCluster cluster, String nodeId) {
    NodeInfo n = ShardMaps.node(cluster.map(), nodeId).orElseThrow();
    return RaftPeer.newBuilder()
        .setId(nodeId)
        .setAddress(n.getHost() + ":" + n.getRaftPort())
        .build();
  }

  /** Gives the leader's state a log appender for {@code peer}, which is not a member. */
  private static void leaveStaleAppender(RaftServer.Division leader, RaftPeer peer)
      throws Exception {
    Object role = call(leader, "getRole");
    Object leaderState = call(role, "getLeaderStateNonNull");
    Method addSenders = leaderState.getClass().getDeclaredMethod("addSenders", Collection.class);
    addSenders.setAccessible(true);
    synchronized (leader) {
      addSenders.invoke(leaderState, List.of(peer));
    }
  }

  private static Object call(Object target, String method) throws Exception {
    Method m = target.getClass().getDeclaredMethod(method);
    m.setAccessible(true);
    return m.invoke(target);
  }
}

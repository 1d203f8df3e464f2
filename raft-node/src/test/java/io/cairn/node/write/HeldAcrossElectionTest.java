package io.cairn.node.write;

import static io.cairn.node.testing.Requests.linearizableGet;
import static io.cairn.node.testing.Requests.put;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.node.testing.LocalCluster;
import io.cairn.node.testing.LocalClusterExtension;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A request that reaches a follower while its shard's leader is gone is held there until the shard
 * has a new leader, and then served: one call, no retry by the client (docs/failover.md). Before,
 * the follower failed it at once and the client backed off.
 */
class HeldAcrossElectionTest {
  @RegisterExtension
  final LocalClusterExtension local = new LocalClusterExtension(b -> b.nodes(3).shards(1));

  @Test
  void aWriteSentToAFollowerJustAfterItsLeaderStoppedIsServedByTheNextLeader() {
    LocalCluster cluster = local.cluster();
    int leader = cluster.leaderOf(1);
    int through = otherThan(cluster, leader);
    assertThat(cluster.kv(through).put(put("before", "1")).getVersion()).isPositive();

    cluster.stop(leader);
    var written =
        cluster.kv(through).withDeadlineAfter(10, TimeUnit.SECONDS).put(put("during", "2"));

    assertThat(written.getVersion()).isPositive();
    assertThat(cluster.leaderOf(1)).isNotEqualTo(leader);
    var read =
        cluster.kv(through).withDeadlineAfter(10, TimeUnit.SECONDS).get(linearizableGet("during"));
    assertThat(read.getValue().toStringUtf8()).isEqualTo("2");
  }

  @Test
  void aLinearizableReadSentToAFollowerJustAfterItsLeaderStoppedIsServedByTheNextLeader() {
    LocalCluster cluster = local.cluster();
    int leader = cluster.leaderOf(1);
    int through = otherThan(cluster, leader);
    long version = cluster.kv(through).put(put("k", "v")).getVersion();

    cluster.stop(leader);
    var read =
        cluster.kv(through).withDeadlineAfter(10, TimeUnit.SECONDS).get(linearizableGet("k"));

    assertThat(read.getValue().toStringUtf8()).isEqualTo("v");
    assertThat(read.getVersion()).isEqualTo(version);
  }

  private static int otherThan(LocalCluster cluster, int leader) {
    List<Integer> replicas = cluster.replicasOf(1);
    return replicas.stream().filter(n -> n != leader).findFirst().orElseThrow();
  }
}

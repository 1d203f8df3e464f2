package io.cairn.node.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.cairn.node.testing.LocalCluster;
import io.cairn.node.testing.LocalClusterExtension;
import io.cairn.proto.PutRequest;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Ratis's timers of a shard's write path reach each replica's node's /metrics. */
class RaftStageMetersTest {
  @RegisterExtension
  final LocalClusterExtension ext = new LocalClusterExtension(b -> b.nodes(3).shards(1));

  @Test
  void writesShowUpInTheLogAndAppendTimersOfTheirShard() {
    LocalCluster cluster = ext.cluster();
    int leader = cluster.settledLeaderOf(1);
    int follower = cluster.followerOf(1);
    for (int i = 0; i < 20; i++) {
      put(cluster, leader, "stage-" + i);
    }

    // A follower answers the leader's append only after its own write and flush, so once the
    // writes are acknowledged every replica's log worker has flushed them; the follower timer
    // stops right after its answer is built, hence the wait.
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              String onLeader = cluster.metrics(leader);
              assertThat(count(onLeader, "cairn_raft_log_flush_seconds_count")).isPositive();
              assertThat(sum(onLeader, "cairn_raft_log_flush_seconds_sum")).isPositive();
              assertThat(count(onLeader, "cairn_raft_log_queue_seconds_count")).isPositive();
              assertThat(count(onLeader, "cairn_raft_leader_append_seconds_count")).isPositive();
              String onFollower = cluster.metrics(follower);
              assertThat(count(onFollower, "cairn_raft_log_flush_seconds_count")).isPositive();
              assertThat(count(onFollower, "cairn_raft_follower_append_seconds_count"))
                  .isGreaterThanOrEqualTo(1);
            });
  }

  @Test
  void aLeaderThatStepsDownGoesOnCountingTheAppendsItReceives() {
    LocalCluster cluster = ext.cluster();
    int former = cluster.leaderOf(1);
    int next = cluster.followerOf(1);
    put(cluster, former, "before-transfer");

    // Stepping down unregisters the replica's Ratis server registry, but the replica, now a
    // follower, keeps timing its appends in it (RatisMeters).
    cluster.transferLeader(former, 1, "n" + next);
    await().atMost(Duration.ofSeconds(20)).until(() -> cluster.leaderOf(1) != former);
    int[] written = {0};
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              put(cluster, cluster.leaderOf(1), "after-transfer-" + written[0]++);
              assertThat(count(cluster.metrics(former), "cairn_raft_follower_append_seconds_count"))
                  .isPositive();
            });
  }

  private static void put(LocalCluster cluster, int node, String key) {
    cluster
        .kv(node)
        .put(
            PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(key))
                .setValue(ByteString.copyFromUtf8("v"))
                .build());
  }

  private static long count(String page, String series) {
    return (long) sum(page, series);
  }

  /** The value of {@code series} for shard 1 on a Prometheus page; fails if it is not there. */
  private static double sum(String page, String series) {
    Matcher m =
        Pattern.compile(
                "(?m)^" + Pattern.quote(series) + "\\{[^}]*shard=\"1\"[^}]*\\} ([0-9.eE+-]+)$")
            .matcher(page);
    assertThat(m.find()).as(series + " for shard 1 on\n" + page).isTrue();
    return Double.parseDouble(m.group(1));
  }
}

package io.cairn.node.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.node.config.NodeConfigLoader;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.junit.jupiter.api.Test;

class RaftSettingsTest {
  /** Ratis properties of a one-node cluster's node with {@code settings} over the defaults. */
  private static RaftProperties serverProperties(Map<String, String> settings) {
    Map<String, String> all =
        new HashMap<>(
            Map.of(
                "node.id", "n1",
                "data.dir", "/tmp/cairn-raft-settings-test",
                "peer-tls.insecure", "true",
                "auth.enabled", "false",
                "cluster.replication-factor", "1",
                "cluster.nodes", "n1@127.0.0.1:7000:7001:7002:7003"));
    all.putAll(settings);
    return RaftSettings.serverProperties(NodeConfigLoader.fromMap(all));
  }

  @Test
  void aLeaderThatSteppedDownCampaignsAgainAfterOneElectionTimeout() {
    RaftProperties p =
        serverProperties(
            Map.of("raft.election-timeout-ms-min", "300", "raft.election-timeout-ms-max", "600"));
    assertThat(
            RaftServerConfigKeys.LeaderElection.leaderStepDownWaitTime(p)
                .toLong(TimeUnit.MILLISECONDS))
        .isEqualTo(600);
  }

  @Test
  void appenderErrorSleepsStayBelowTheHeartbeatIntervalAndNeverRunOut() {
    long electionMin = 1_000;
    long heartbeatMs = electionMin / 2;
    RetryPolicy policy =
        RetryPolicy.parse(
            RaftSettings.appenderRetryPolicy(electionMin),
            RaftServerConfigKeys.Log.Appender.RETRY_POLICY_KEY);
    for (int errors : new int[] {1, 10, 11, 50, 1_000, 100_000}) {
      for (int sample = 0; sample < 50; sample++) {
        RetryPolicy.Action action = policy.handleAttemptFailure(() -> errors);
        assertThat(action.shouldRetry()).as("retry after %d errors", errors).isTrue();
        assertThat(action.getSleepTime().toLong(java.util.concurrent.TimeUnit.MILLISECONDS))
            .as("sleep after %d errors", errors)
            .isLessThan(heartbeatMs);
      }
    }
  }

  /**
   * A leader's appender sends the next entry as soon as it is appended: Ratis's 1 ms minimum gap
   * after each send could hold an entry back for a whole millisecond on Java 17
   * (RaftSettings.APPENDER_WAIT_MIN).
   */
  @Test
  void aLeaderSendsEachEntryWithoutWaitingOutAGapAfterItsLastSend() {
    RaftProperties p = serverProperties(Map.of());
    assertThat(RaftServerConfigKeys.Log.Appender.waitTimeMin(p).toLong(TimeUnit.NANOSECONDS))
        .isZero();
  }

  /** A follower appends on the thread that received the append, with no hand-off first. */
  @Test
  void aFollowerAppendsALeadersEntriesWithoutHandingThemToAnotherThread() {
    RaftProperties p = serverProperties(Map.of());
    assertThat(RaftServerConfigKeys.Log.appendEntriesComposeEnabled(p)).isFalse();
  }

  /**
   * Ratis times a snapshot chunk out after its timeout times the chunks in flight, and a leader's
   * appender whose follower went down waits that long before it sends the follower anything again.
   */
  @Test
  void aSnapshotInstallToADeadFollowerHoldsItsAppenderForAboutOneRequestTimeout() {
    RaftProperties p = serverProperties(Map.of());
    int inFlight = GrpcConfigKeys.Server.installSnapshotRequestElementLimit(p);
    long windowMs =
        GrpcConfigKeys.Server.installSnapshotRequestTimeout(p).toLong(TimeUnit.MILLISECONDS)
            * inFlight;
    long twoChunksAt8MiBpsMs = 2 * 16_777_216L * 1000 / (8L << 20);
    assertThat(inFlight).isEqualTo(2);
    assertThat(windowMs).isBetween(twoChunksAt8MiBpsMs, 4_001L);
  }

  @Test
  void theSnapshotWindowIsOneRequestTimeoutWhenChunksAreSmallAndGrowsWithLargeOnes() {
    long small = RaftSettings.snapshotChunkTimeoutMs(3_000, 4_096);
    assertThat(small * RaftSettings.SNAPSHOT_CHUNKS_IN_FLIGHT).isBetween(3_000L, 3_001L);
    long large = RaftSettings.snapshotChunkTimeoutMs(3_000, 1 << 30);
    // Two 1 GiB chunks at 8 MiB/s: 256 s.
    assertThat(large * RaftSettings.SNAPSHOT_CHUNKS_IN_FLIGHT).isBetween(256_000L, 256_001L);
  }
}

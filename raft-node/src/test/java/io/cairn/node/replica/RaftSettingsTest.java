package io.cairn.node.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.node.config.NodeConfig;
import io.cairn.node.config.NodeConfigLoader;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.junit.jupiter.api.Test;

class RaftSettingsTest {
  @Test
  void aLeaderThatSteppedDownCampaignsAgainAfterOneElectionTimeout() {
    NodeConfig c =
        NodeConfigLoader.fromMap(
            Map.of(
                "node.id", "n1",
                "data.dir", "/tmp/cairn-raft-settings-test",
                "peer-tls.insecure", "true",
                "auth.enabled", "false",
                "raft.election-timeout-ms-min", "300",
                "raft.election-timeout-ms-max", "600",
                "cluster.replication-factor", "1",
                "cluster.nodes", "n1@127.0.0.1:7000:7001:7002:7003"));
    RaftProperties p = RaftSettings.serverProperties(c);
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
}

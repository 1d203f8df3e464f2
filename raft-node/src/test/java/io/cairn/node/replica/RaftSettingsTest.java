package io.cairn.node.replica;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.junit.jupiter.api.Test;

class RaftSettingsTest {
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

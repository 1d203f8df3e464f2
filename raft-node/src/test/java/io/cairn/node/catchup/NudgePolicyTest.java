package io.cairn.node.catchup;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NudgePolicyTest {
  private final NudgePolicy<String> policy = new NudgePolicy<>(3_000);

  @Test
  void aFollowerThatIsNotBehindGetsNoEntry() {
    assertThat(policy.shouldNudge("g", 100, 100, 0)).isFalse();
    assertThat(policy.shouldNudge("g", 100, 120, 0)).isFalse();
  }

  @Test
  void aFollowerBehindGetsOneEntryPerInterval() {
    assertThat(policy.shouldNudge("g", 100, -1, 0)).isTrue();
    assertThat(policy.shouldNudge("g", 100, -1, 2_999)).isFalse();
    assertThat(policy.shouldNudge("g", 101, 5, 3_000)).isTrue();
  }

  @Test
  void aRefusedReportDoesNotStartTheInterval() {
    assertThat(policy.shouldNudge("g", 100, 100, 0)).isFalse();
    assertThat(policy.shouldNudge("g", 101, 100, 1)).isTrue();
  }

  @Test
  void groupsAreRateLimitedApart() {
    assertThat(policy.shouldNudge("a", 10, 0, 0)).isTrue();
    assertThat(policy.shouldNudge("b", 10, 0, 0)).isTrue();
    assertThat(policy.shouldNudge("a", 10, 0, 1)).isFalse();
  }
}

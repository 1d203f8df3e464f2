package io.cairn.node.membership;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StepDownPacingTest {
  private final StepDownPacing pacing = new StepDownPacing();

  @Test
  void theFirstStepDownIsAtOnceThenTheWaitDoublesUpToAMinute() {
    long t = 1_000_000;
    assertThat(pacing.tryStepDown(1, t)).isTrue();
    long[] waits = {5_000, 10_000, 20_000, 40_000, 60_000, 60_000};
    for (long wait : waits) {
      assertThat(pacing.waitMs(1, t)).isEqualTo(wait);
      assertThat(pacing.tryStepDown(1, t + wait - 1)).as("before %d ms", wait).isFalse();
      t += wait;
      assertThat(pacing.tryStepDown(1, t)).as("after %d ms", wait).isTrue();
    }
  }

  @Test
  void aChangeThatWentThroughStartsTheCountOver() {
    assertThat(pacing.tryStepDown(1, 0)).isTrue();
    assertThat(pacing.tryStepDown(1, 5_000)).isTrue();
    assertThat(pacing.tryStepDown(1, 6_000)).isFalse();
    pacing.forget(1);
    assertThat(pacing.waitMs(1, 6_000)).isZero();
    assertThat(pacing.tryStepDown(1, 6_000)).isTrue();
    assertThat(pacing.waitMs(1, 6_000)).isEqualTo(StepDownPacing.FIRST_WAIT_MS);
  }

  @Test
  void groupsArePacedApart() {
    assertThat(pacing.tryStepDown(1, 0)).isTrue();
    assertThat(pacing.tryStepDown(2, 1)).isTrue();
    assertThat(pacing.tryStepDown(1, 2)).isFalse();
  }
}

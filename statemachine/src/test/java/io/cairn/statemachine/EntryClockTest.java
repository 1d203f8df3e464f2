package io.cairn.statemachine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EntryClockTest {
  private static final long YEAR_MS = 365L * 24 * 3600 * 1000;
  private final EntryClock clock = new EntryClock();

  @Test
  void aSteadyClockIsStampedAsItIs() {
    assertThat(clock.stamp(1_000_000, 0)).isEqualTo(1_000_000);
    assertThat(clock.stamp(1_000_250, 250)).isEqualTo(1_000_250);
    assertThat(clock.stamp(1_010_250, 10_250)).isEqualTo(1_010_250);
  }

  @Test
  void aJumpAheadRunsAtMostTwiceAsFastAsRealTime() {
    clock.stamp(1_000_000, 0);
    assertThat(clock.stamp(1_000_000 + YEAR_MS, 1_000)).isEqualTo(1_002_000);
    assertThat(clock.stamp(1_000_000 + YEAR_MS, 2_000)).isEqualTo(1_004_000);
    // Over any stretch, entry time gains at most twice the real time elapsed.
    long t = 0;
    for (int s = 3; s <= 60; s++) {
      t = clock.stamp(1_000_000 + YEAR_MS, s * 1_000L);
    }
    assertThat(t).isEqualTo(1_000_000 + 2 * 60_000);
  }

  @Test
  void timeInTheLogNeverGoesBack() {
    clock.stamp(1_000_000, 0);
    assertThat(clock.stamp(500_000, 1_000)).isEqualTo(1_000_000);
  }

  @Test
  void entriesOfOtherLeadersRaiseTheFloorAndRestartTheAllowance() {
    clock.observe(5_000_000, 100);
    assertThat(clock.stamp(1_000_000, 200)).as("behind what the log says").isEqualTo(5_000_000);
    assertThat(clock.stamp(9_000_000, 1_100)).isEqualTo(5_000_000 + 2 * 1_000);
    clock.observe(4_000_000, 1_200); // older than seen: changes nothing
    assertThat(clock.stamp(9_000_000, 1_100)).isEqualTo(5_002_000);
  }

  @Test
  void theFirstStampWithNothingSeenIsTheWallClock() {
    assertThat(clock.stamp(42, 7)).isEqualTo(42);
  }
}

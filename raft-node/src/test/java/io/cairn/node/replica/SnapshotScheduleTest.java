package io.cairn.node.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SnapshotScheduleTest {
  @Test
  void theFirstSnapshotIsDueWhenRatisAsks() {
    SnapshotSchedule s = new SnapshotSchedule(100, 100_000);
    s.empty();

    assertThat(s.due(10_000)).isTrue();
  }

  @Test
  void aSnapshotWaitsUntilTheLogSinceTheLastIsAsLargeAsIt() {
    SnapshotSchedule s = new SnapshotSchedule(100, 100_000);
    s.started(10_000);
    s.written(30_000_000); // a 30 MB state

    for (int i = 0; i < 10_000; i++) {
      s.applied(300); // 3 MB of one client's entries: Ratis asks, not worth it yet
    }
    assertThat(s.due(20_000)).isFalse();

    for (int i = 0; i < 90_000 - 1; i++) {
      s.applied(300);
    }
    assertThat(s.due(109_999)).as("30 MB less 300 bytes").isFalse();
    s.applied(300);
    assertThat(s.due(110_000)).isTrue();
  }

  @Test
  void theLogCountsFromTheSnapshotStartedLastNotFromTheOneWritten() {
    SnapshotSchedule s = new SnapshotSchedule(100, 100_000);
    s.started(0);
    s.written(1_000);
    s.applied(2_000);
    assertThat(s.due(500)).isTrue();

    s.started(500); // written in the background while entries go on being applied
    s.applied(600);
    s.written(1_200);
    assertThat(s.due(600)).isFalse();
    s.applied(600);
    assertThat(s.due(700)).isTrue();
  }

  @Test
  void aPercentBelowOrAboveAHundredScalesTheLogNeeded() {
    SnapshotSchedule half = new SnapshotSchedule(50, 100_000);
    half.loaded(0, 1_000);
    half.applied(499);
    assertThat(half.due(100)).isFalse();
    half.applied(1);
    assertThat(half.due(101)).isTrue();

    SnapshotSchedule triple = new SnapshotSchedule(300, 100_000);
    triple.loaded(0, 1_000);
    triple.applied(2_999);
    assertThat(triple.due(100)).isFalse();
    triple.applied(1);
    assertThat(triple.due(101)).isTrue();
  }

  @Test
  void aSnapshotThatFailedLeavesTheNextOneDueAsSoonAsItWas() {
    SnapshotSchedule s = new SnapshotSchedule(100, 50_000);
    s.loaded(1_000, 10_000);
    s.applied(12_000);
    assertThat(s.due(11_000)).isTrue();

    s.started(11_000);
    s.applied(100); // applied while the failed snapshot was being written
    s.failed();

    assertThat(s.logBytesSince()).isEqualTo(12_100);
    assertThat(s.due(11_010)).as("the log is still past the state").isTrue();
    SnapshotSchedule byEntries = new SnapshotSchedule(100, 50_000);
    byEntries.loaded(1_000, 1L << 40);
    byEntries.started(40_000); // not due by bytes, but say it was started and failed
    byEntries.failed();
    assertThat(byEntries.due(50_999)).as("entries count from the last written snapshot").isFalse();
    assertThat(byEntries.due(51_000)).isTrue();
  }

  @Test
  void entriesMaxMakesASnapshotDueWhateverTheBytes() {
    SnapshotSchedule s = new SnapshotSchedule(100, 50_000);
    s.loaded(1_000, 1L << 40); // a state far larger than any log of tiny entries
    s.applied(10);

    assertThat(s.due(50_999)).isFalse();
    assertThat(s.due(51_000)).isTrue();
  }

  @Test
  void aReplicaLoadedFromASnapshotCountsTheLogItReplays() {
    SnapshotSchedule s = new SnapshotSchedule(100, 100_000);
    s.loaded(40_000, 5_000);
    assertThat(s.logBytesSince()).isZero();

    s.applied(3_000); // entries after the snapshot, replayed through the apply path
    s.applied(2_000);

    assertThat(s.logBytesSince()).isEqualTo(5_000);
    assertThat(s.due(40_010)).isTrue();
  }

  @Test
  void zeroPercentIsEveryTimeRatisAsks() {
    SnapshotSchedule s = new SnapshotSchedule(0, 100_000);
    s.loaded(0, 1L << 30);

    assertThat(s.due(1)).isTrue();
    assertThat(SnapshotSchedule.whenRatisAsks().due(0)).isTrue();
  }

  @Test
  void badSettingsAreRefusedWithBothValues() {
    assertThatThrownBy(() -> new SnapshotSchedule(-1, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1 and 10");
    assertThatThrownBy(() -> new SnapshotSchedule(100, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("100 and 0");
  }
}

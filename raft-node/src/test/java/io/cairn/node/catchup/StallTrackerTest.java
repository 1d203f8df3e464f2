package io.cairn.node.catchup;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StallTrackerTest {
  private final StallTracker<String> tracker = new StallTracker<>(10_000, 4_000);

  @Test
  void aReplicaIsStalledWhenTwoTicksSeeTheSameLeaderAndAppliedIndex() {
    assertThat(tracker.observe("g", "n1", 0, 0)).as("first sight: nothing to compare").isFalse();
    assertThat(tracker.observe("g", "n1", 0, 2_000)).isTrue();
  }

  @Test
  void aMovingAppliedIndexIsNotAStall() {
    tracker.observe("g", "n1", 10, 0);
    assertThat(tracker.observe("g", "n1", 11, 2_000)).isFalse();
    assertThat(tracker.observe("g", "n1", 12, 4_000)).isFalse();
  }

  @Test
  void aNewLeaderRestartsTheComparison() {
    tracker.observe("g", "n1", 5, 0);
    assertThat(tracker.observe("g", "n2", 5, 2_000)).isFalse();
    assertThat(tracker.observe("g", "n2", 5, 4_000)).isTrue();
  }

  @Test
  void noLeaderNoReport() {
    tracker.observe("g", null, 5, 0);
    assertThat(tracker.observe("g", null, 5, 2_000)).isFalse();
    assertThat(tracker.observe("g", "n1", 5, 4_000)).as("leader just learned").isFalse();
  }

  @Test
  void aCaughtUpAnswerQuietsTheReplicaForTheQuietPeriod() {
    tracker.observe("g", "n1", 7, 0);
    assertThat(tracker.observe("g", "n1", 7, 2_000)).isTrue();
    tracker.answered("g", false, 2_100);
    assertThat(tracker.observe("g", "n1", 7, 4_000)).isFalse();
    assertThat(tracker.observe("g", "n1", 7, 12_000)).isFalse();
    assertThat(tracker.observe("g", "n1", 7, 12_100)).isTrue();
  }

  @Test
  void afterANudgeTheReplicaReportsAgainSoonIfStillStuck() {
    tracker.observe("g", "n1", 0, 0);
    tracker.observe("g", "n1", 0, 2_000);
    tracker.answered("g", true, 2_000);
    assertThat(tracker.observe("g", "n1", 0, 4_000)).isFalse();
    assertThat(tracker.observe("g", "n1", 0, 6_000)).isTrue();
  }

  @Test
  void progressEndsTheQuietPeriod() {
    tracker.observe("g", "n1", 7, 0);
    tracker.observe("g", "n1", 7, 2_000);
    tracker.answered("g", false, 2_000);
    tracker.observe("g", "n1", 8, 4_000);
    assertThat(tracker.observe("g", "n1", 8, 6_000))
        .as("stuck again at 8, quiet period was for 7")
        .isTrue();
  }

  @Test
  void replicasAreTrackedApartAndForgottenWhenGone() {
    tracker.observe("a", "n1", 1, 0);
    tracker.observe("b", "n1", 1, 0);
    tracker.retain(List.of("a"));
    assertThat(tracker.observe("a", "n1", 1, 2_000)).isTrue();
    assertThat(tracker.observe("b", "n1", 1, 2_000)).as("b was forgotten").isFalse();
  }
}

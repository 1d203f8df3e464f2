package io.cairn.tests.jepsen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * The command line of a chaos run: every run has non-leader processes unless told otherwise, and
 * only runs that fill disks put the nodes' data on small filesystems of their own.
 */
class ChaosOptionsTest {

  @Test
  void everyRunHasTwoNonLeaderProcessesByDefault() {
    ChaosOptions o = ChaosRun.parse(new String[] {"--seed", "21", "--faults", "kill"});

    assertThat(o.nonLeaderProcesses()).isEqualTo(2);
    assertThat(ChaosRun.parse(new String[] {"--non-leader-processes", "0"}).nonLeaderProcesses())
        .isZero();
    assertThat(o.replayCommand()).doesNotContain("--non-leader-processes");
    assertThat(o.withNonLeaderProcesses(3).replayCommand()).contains("--non-leader-processes 3");
  }

  @Test
  void onlyRunsThatFillDisksGetSmallDisks() {
    assertThat(ChaosRun.parse(new String[] {"--faults", "kill,partition"}).smallDisks()).isFalse();
    assertThat(ChaosRun.parse(new String[] {"--faults", "wipe_follower"}).smallDisks()).isFalse();

    ChaosOptions full =
        ChaosRun.parse(new String[] {"--faults", "disk_full", "--no-combine", "--disk-mb", "256"});
    assertThat(full.smallDisks()).isTrue();
    assertThat(full.diskMb()).isEqualTo(256);
    assertThat(full.replayCommand())
        .contains("--faults disk_full --no-combine")
        .contains("--disk-mb 256");
    assertThat(ChaosRun.parse(new String[] {"--faults", "all"}).smallDisks()).isTrue();
    assertThatThrownBy(() -> ChaosRun.parse(new String[] {"--disk-mb", "16"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("disk size must be 128..");
  }
}

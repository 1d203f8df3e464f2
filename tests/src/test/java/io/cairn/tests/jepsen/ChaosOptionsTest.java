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
  void runsUseAuthByDefaultAndReplayAnyOtherSecurity() {
    ChaosOptions o = ChaosRun.parse(new String[] {"--seed", "3"});
    assertThat(o.security()).isEqualTo(LabSecurity.Mode.AUTH);
    assertThat(o.replayCommand()).doesNotContain("--security");
    ChaosOptions plain = ChaosRun.parse(new String[] {"--seed", "3", "--security", "plain"});
    assertThat(plain.security()).isEqualTo(LabSecurity.Mode.PLAIN);
    assertThat(plain.replayCommand()).endsWith(" --security plain");
    assertThat(ChaosRun.parse(plain.replayCommand().split(" ", 2)[1].split(" ")).security())
        .isEqualTo(LabSecurity.Mode.PLAIN);
    assertThatThrownBy(() -> ChaosRun.parse(new String[] {"--security", "open"}))
        .hasMessageContaining("plain, tls or auth");
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

  @Test
  void aScriptedMembershipRunReplaysWithItsSparesAndPlan() {
    ChaosOptions o =
        ChaosRun.parse(
            new String[] {
              "--seed", "16", "--spares", "2", "--plan", "add_node,add_node,remove_node"
            });

    assertThat(o.spares()).isEqualTo(2);
    assertThat(o.script()).containsExactly(Fault.ADD_NODE, Fault.ADD_NODE, Fault.REMOVE_NODE);
    assertThat(o.faults()).containsExactlyInAnyOrder(Fault.ADD_NODE, Fault.REMOVE_NODE);
    assertThat(o.replayCommand()).contains("--spares 2 --plan add_node,add_node,remove_node");
    assertThat(ChaosRun.parse(new String[] {"--seed", "1"}).replayCommand())
        .doesNotContain("--spares")
        .doesNotContain("--plan");
    assertThat(
            ChaosRun.parse(
                    new String[] {
                      "--plan", "add_node,remove_node", "--faults", "kill", "--spares", "1"
                    })
                .faults())
        .containsExactlyInAnyOrder(Fault.ADD_NODE, Fault.REMOVE_NODE);
    assertThatThrownBy(() -> ChaosRun.parse(new String[] {"--plan", "add_node,replace_node"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("give --spares 2");
    assertThatThrownBy(() -> ChaosRun.parse(new String[] {"--spares", "9"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("spares must be 0..8");
  }
}

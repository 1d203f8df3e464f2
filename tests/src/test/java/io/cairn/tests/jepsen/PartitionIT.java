package io.cairn.tests.jepsen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Partitions in the network lab really cut node-to-node traffic and nothing else, before any
 * verdict under partitions is trusted: each shape is applied to a running 3-node cluster, proven
 * with TCP connects from inside the node namespaces (see {@link PartitionProof}), healed, and every
 * link must work again. And the proof is not a rubber stamp: a partition that was never applied is
 * refused. Needs root; run by scripts/chaos.sh.
 */
@Tag("chaos")
class PartitionIT {

  private static final Path SCRIPT = NetnsLab.findScript(Path.of(""));
  private static LabCluster lab;

  @BeforeAll
  static void startCluster() {
    lab =
        LabCluster.start(
            SCRIPT,
            StaleReadScenario.workDir(
                SCRIPT.getParent().getParent().resolve("tests").resolve("target").resolve("chaos"),
                "partition-it"),
            new LabCluster.Settings(3, 1, 7100, 1000, 2000, Map.of(), ""));
  }

  @AfterAll
  static void tearDown() {
    if (lab != null) {
      lab.close();
    }
  }

  @Test
  void everyShapeCutsExactlyItsLinksAndHealingRestoresThem() {
    Random random = new Random(42);
    for (Cut cut : List.of(Cut.isolate(3, 1), Cut.halves(3, random), Cut.bridge(3, random))) {
      lab.network().cut(cut);
      PartitionProof.Evidence evidence;
      try {
        evidence = lab.proof().verify(cut, n -> true);
      } finally {
        lab.network().heal(cut);
      }
      assertThat(evidence.cutPairsProven()).as(cut.toString()).isEqualTo(2 * cut.links().size());
      assertThat(evidence.cutPairsUnverifiable()).isZero();
      assertAllLinksOpen();
    }
  }

  @Test
  void aPartitionThatWasNotAppliedIsRefused() {
    Cut claimed = Cut.isolate(3, 2);

    assertThatThrownBy(() -> lab.proof().verify(claimed, n -> true))
        .isInstanceOf(PartitionProof.NotCutException.class)
        .hasMessageContaining("does not cut traffic");
  }

  @Test
  void lossAndSlowLinksAreRemovedByTheirHeal() {
    lab.network().loss(2, 0.3);
    lab.network().slow(3, 64, 300);
    lab.network().clearLoss(2, 0.3);
    lab.network().clearSlow(3);

    assertThat(lab.network().clearAll()).isEmpty();
    assertAllLinksOpen();
    lab.cluster().awaitHealthy(Duration.ofSeconds(30));
  }

  private static void assertAllLinksOpen() {
    ReachabilityProbe probe =
        new ReachabilityProbe(lab.lab()::commandPrefix, Duration.ofSeconds(2));
    for (int from = 1; from <= 3; from++) {
      for (int to = 1; to <= 3; to++) {
        if (from != to) {
          assertThat(probe.canConnectFromNode(from, lab.lab().host(to), 7100))
              .as("n%d -> n%d after heal", from, to)
              .isTrue();
        }
      }
    }
  }
}

package io.cairn.tests.jepsen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** CHAOS_NODE_CONFIG, as scripts/chaos.sh hands it to every lab cluster. */
class LabNodeConfigTest {
  @AfterEach
  void clear() {
    System.clearProperty(LabCluster.NODE_CONFIG_PROPERTY);
  }

  @Test
  void pairsBecomeNodeConfig() {
    System.setProperty(
        LabCluster.NODE_CONFIG_PROPERTY, "read.lease-enabled=true, read.confirm-hedge-ms=0");
    assertThat(LabCluster.nodeConfigFromProperty())
        .isEqualTo(Map.of("read.lease-enabled", "true", "read.confirm-hedge-ms", "0"));
  }

  @Test
  void noneIsNone() {
    assertThat(LabCluster.nodeConfigFromProperty()).isEmpty();
  }

  @Test
  void anythingButPlainPairsIsRefusedWithTheReason() {
    System.setProperty(LabCluster.NODE_CONFIG_PROPERTY, "read.lease-enabled=true;rm -rf /");
    assertThatThrownBy(LabCluster::nodeConfigFromProperty)
        .hasMessageContaining("is not key=value with plain tokens");
    System.setProperty(LabCluster.NODE_CONFIG_PROPERTY, "read.lease-enabled");
    assertThatThrownBy(LabCluster::nodeConfigFromProperty).hasMessageContaining("is not key=value");
  }
}

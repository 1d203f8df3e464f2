package io.cairn.tests.jepsen;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DiskWipeTest {

  @Test
  void aWipedNodeHasCaughtUpOnlyWhenEveryGroupReachedItsIndex() {
    Map<Integer, Long> toReach = Map.of(0, 40L, 1, 900L, 2, 700L);

    assertThat(DiskWipe.caughtUp(Map.of(0, 40L, 1, 905L, 2, 700L), toReach)).isTrue();
    assertThat(DiskWipe.caughtUp(Map.of(0, 40L, 1, 899L, 2, 700L), toReach)).isFalse();
    assertThat(DiskWipe.caughtUp(Map.of(0, 40L, 1, 905L), toReach))
        .as("a group not reported yet")
        .isFalse();
    assertThat(DiskWipe.caughtUp(Map.of(), Map.of())).isTrue();
  }
}

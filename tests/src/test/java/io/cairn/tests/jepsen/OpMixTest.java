package io.cairn.tests.jepsen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.tests.history.Op;
import io.cairn.tests.history.OpKind;
import io.cairn.tests.history.ReadConsistency;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OpMixTest {

  @Test
  void theDefaultMixProducesEveryKindAndConsistency() {
    Random random = new Random(1);
    Set<OpKind> kinds = EnumSet.noneOf(OpKind.class);
    Set<ReadConsistency> consistencies = EnumSet.noneOf(ReadConsistency.class);
    for (int i = 0; i < 2_000; i++) {
      Op op = OpMix.DEFAULT.choose(random, "k", "v" + i, 7);
      kinds.add(op.kind());
      if (op.consistency() != null) {
        consistencies.add(op.consistency());
      }
    }
    assertThat(kinds).containsExactlyInAnyOrder(OpKind.values());
    assertThat(consistencies).containsExactlyInAnyOrder(ReadConsistency.values());
  }

  @Test
  void aZeroWeightIsNeverChosenAndCasUsesTheGivenExpectation() {
    OpMix onlyCasPuts = new OpMix(0, 0, 0, 0, 1, 0, 0);
    Random random = new Random(2);
    for (int i = 0; i < 100; i++) {
      assertThat(onlyCasPuts.choose(random, "k", "v", 42)).isEqualTo(Op.putCas("k", "v", 42));
    }
  }

  @Test
  void theSameSeedGivesTheSameOperations() {
    Set<String> first = new HashSet<>();
    Set<String> second = new HashSet<>();
    Random a = new Random(9);
    Random b = new Random(9);
    for (int i = 0; i < 200; i++) {
      first.add(i + OpMix.DEFAULT.choose(a, "k", "v" + i, 0).toString());
      second.add(i + OpMix.DEFAULT.choose(b, "k", "v" + i, 0).toString());
    }
    assertThat(first).isEqualTo(second);
  }

  @Test
  void weightsMustBeNonNegativeAndNotAllZero() {
    assertThatThrownBy(() -> new OpMix(0, 0, 0, 0, 0, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new OpMix(-1, 1, 1, 1, 1, 1, 1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

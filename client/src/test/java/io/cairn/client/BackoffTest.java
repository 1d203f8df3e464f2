package io.cairn.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Property
  void delaysStayBetweenMinAndTheDoublingCeiling(
      @ForAll @LongRange(min = 1, max = 10_000) long min,
      @ForAll @LongRange(min = 0, max = 100_000) long extra,
      @ForAll @IntRange(min = 1, max = 200) int failures,
      @ForAll long seed) {
    long max = min + extra;
    Backoff backoff = new Backoff(min, max, new Random(seed));
    long ceiling = backoff.ceilingMs(failures);
    assertThat(ceiling).isBetween(min, max);
    if (failures < 40) {
      assertThat(ceiling).isEqualTo(Math.min(max, min * (1L << (failures - 1))));
    }
    assertThat(backoff.delayMs(failures)).isBetween(min, ceiling);
  }

  @Test
  void theCeilingDoublesUntilTheMaximum() {
    Backoff backoff = new Backoff(20, 1_000, new Random(1));
    assertThat(
            new long[] {
              backoff.ceilingMs(1),
              backoff.ceilingMs(2),
              backoff.ceilingMs(3),
              backoff.ceilingMs(6),
              backoff.ceilingMs(7),
              backoff.ceilingMs(1_000)
            })
        .containsExactly(20, 40, 80, 640, 1_000, 1_000);
  }

  @Test
  void jitterSpreadsDelaysOverTheWholeRange() {
    Backoff backoff = new Backoff(10, 1_000, new Random(7));
    long lowest = Long.MAX_VALUE;
    long highest = 0;
    for (int i = 0; i < 2_000; i++) {
      long d = backoff.delayMs(20);
      lowest = Math.min(lowest, d);
      highest = Math.max(highest, d);
    }
    assertThat(lowest).isLessThan(60);
    assertThat(highest).isGreaterThan(950);
  }

  @Test
  void theSameSeedGivesTheSameDelays() {
    Backoff a = new Backoff(20, 1_000, new Random(99));
    Backoff b = new Backoff(20, 1_000, new Random(99));
    for (int i = 1; i < 20; i++) {
      assertThat(a.delayMs(i)).isEqualTo(b.delayMs(i));
    }
  }
}

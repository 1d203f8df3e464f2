package io.cairn.tests.jepsen;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tests.checker.Verdict;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The checker catches a real bug end to end: with {@code debug.unsafe-local-reads=true}, a leader
 * cut off by a partition keeps answering LINEARIZABLE reads from its own state while the majority
 * elects a new leader and commits new values; every trial's history must check as NOT linearizable.
 * The same scenario without the flag must check as valid. See {@link StaleReadScenario} for the
 * timing. Needs root (network namespaces); run by scripts/chaos.sh.
 */
@Tag("chaos")
class StaleReadDetectionIT {

  private static final List<Long> SEEDS = List.of(101L, 102L, 103L);
  private static final Path SCRIPT = NetnsLab.findScript(Path.of(""));
  private static final Path BASE =
      SCRIPT.getParent().getParent().resolve("tests").resolve("target").resolve("chaos");

  @Test
  void unsafeLocalReadsAreCaughtAsNotLinearizableInEveryTrial() {
    List<StaleReadScenario.Trial> trials =
        StaleReadScenario.run(
            SCRIPT,
            StaleReadScenario.workDir(BASE, "stale-read-unsafe"),
            true,
            SEEDS,
            2,
            System.out);

    assertThat(trials).hasSize(SEEDS.size());
    for (StaleReadScenario.Trial trial : trials) {
      assertThat(trial.linearizability())
          .as("seed %d must be caught: %s\n%s", trial.seed(), trial, trial.report())
          .isEqualTo(Verdict.INVALID);
    }
  }

  @Test
  void theSameScenarioWithSafeReadsIsLinearizable() {
    List<StaleReadScenario.Trial> trials =
        StaleReadScenario.run(
            SCRIPT,
            StaleReadScenario.workDir(BASE, "stale-read-safe"),
            false,
            SEEDS.subList(0, 1),
            1,
            System.out);

    assertThat(trials).hasSize(1);
    assertThat(trials.get(0).report().verdict())
        .as("%s\n%s", trials.get(0), trials.get(0).report())
        .isEqualTo(Verdict.VALID);
  }
}

package io.cairn.tests.checker;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tests.history.History;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.Optional;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The checkers judged against histories that are linearizable by construction ({@link
 * RegisterSimulation}), and against the same histories with one read made certainly stale ({@link
 * StaleReadMutation}).
 */
class LinearizabilityPropertyTest {

  private final CheckerSuite suite = CheckerSuite.standard();
  private final LinearizabilityChecker linearizability = new LinearizabilityChecker();

  @Property(tries = 200)
  void historiesOfALinearizableRegisterPassEveryChecker(
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 6) int processes,
      @ForAll @IntRange(min = 1, max = 3) int keys,
      @ForAll @IntRange(min = 1, max = 30) int opsPerProcess,
      @ForAll @IntRange(min = 0, max = 25) int infoPercent) {
    History history =
        RegisterSimulation.run(
            seed, new RegisterSimulation.Parameters(processes, keys, opsPerProcess, infoPercent));

    CheckReport report = suite.check(history);

    assertThat(report.verdict()).as(report.toString()).isEqualTo(Verdict.VALID);
  }

  @Property(tries = 200)
  void aCertainlyStaleReadIsNotLinearizable(
      @ForAll long seed,
      @ForAll @IntRange(min = 2, max = 6) int processes,
      @ForAll @IntRange(min = 1, max = 2) int keys,
      @ForAll @IntRange(min = 5, max = 30) int opsPerProcess,
      @ForAll @IntRange(min = 0, max = 25) int infoPercent,
      @ForAll int pick) {
    History history =
        RegisterSimulation.run(
            seed, new RegisterSimulation.Parameters(processes, keys, opsPerProcess, infoPercent));
    Optional<History> mutated = StaleReadMutation.apply(history, pick);
    Assume.that(mutated.isPresent());

    CheckResult result = linearizability.check(mutated.get());

    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.INVALID);
  }

  @Property(tries = 50)
  void aHistoryFileReadsBackAsTheSameHistory(
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 4) int processes,
      @ForAll @IntRange(min = 1, max = 20) int opsPerProcess)
      throws IOException {
    History history =
        RegisterSimulation.run(
            seed, new RegisterSimulation.Parameters(processes, 2, opsPerProcess, 10));
    StringWriter out = new StringWriter();

    history.writeTo(out);

    assertThat(History.readFrom(new StringReader(out.toString()))).isEqualTo(history);
  }
}

package io.cairn.tests.checker;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tests.history.History;
import org.junit.jupiter.api.Test;

/**
 * A long single-key history must be decided under the default search limits: 8 concurrent
 * processes, 250 operations each, a few of them INFO. (No wall-time assertion: the default time
 * limit per key turns a slow search into UNKNOWN, which is what fails here.)
 */
class LinearizabilityPerformanceTest {

  private static final RegisterSimulation.Parameters ONE_HOT_KEY =
      new RegisterSimulation.Parameters(8, 1, 250, 2);

  private final LinearizabilityChecker checker = new LinearizabilityChecker();

  @Test
  void twoThousandOperationsOnOneKeyAreDecidedLinearizable() {
    History history = RegisterSimulation.run(20_240_611L, ONE_HOT_KEY);
    assertThat(history.size()).isEqualTo(8 * 250 + 1);

    CheckResult result = checker.check(history);

    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.VALID);
  }

  @Test
  void aStaleReadInTwoThousandOperationsIsFound() {
    History history =
        StaleReadMutation.apply(RegisterSimulation.run(7L, ONE_HOT_KEY), 1_000).orElseThrow();

    CheckResult result = checker.check(history);

    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.INVALID);
  }
}

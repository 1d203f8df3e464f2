package io.cairn.tests.jepsen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.tests.checker.CheckReport;
import io.cairn.tests.checker.CheckResult;
import io.cairn.tests.checker.CheckerSuite;
import io.cairn.tests.checker.Verdict;
import io.cairn.tests.history.History;
import io.cairn.tests.history.HistoryRecorder;
import io.cairn.tests.history.Outcome;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The workload end to end against an in-memory store: a correct store checks VALID, one whose
 * LINEARIZABLE reads lag checks INVALID. The same pipeline the chaos runs use, without a cluster.
 */
class WorkloadTest {

  private static final WorkloadSpec SPEC =
      new WorkloadSpec(
          4, WorkloadSpec.keys(3), OpMix.DEFAULT, 11, Duration.ofSeconds(1), Duration.ZERO);

  @Test
  void aLinearizableStoreChecksValid() {
    History history = run(InMemoryStore.linearizable());

    Map<Outcome, Long> byOutcome =
        history.operations().stream()
            .collect(Collectors.groupingBy(o -> o.outcome(), Collectors.counting()));
    assertThat(byOutcome.get(Outcome.OK)).isGreaterThan(500);
    assertThat(byOutcome.get(Outcome.FAIL)).as("compare-and-set refusals").isPositive();
    CheckReport report = CheckerSuite.standard().check(history);
    assertThat(report.verdict()).as(report.toString()).isEqualTo(Verdict.VALID);
  }

  @Test
  void staleLinearizableReadsCheckInvalid() {
    History history = run(InMemoryStore.withStaleLinearizableReads(5));

    CheckReport report = CheckerSuite.standard().check(history);
    CheckResult linearizability =
        report.results().stream()
            .filter(r -> r.checker().equals("linearizability"))
            .findFirst()
            .orElseThrow();
    assertThat(linearizability.verdict()).as(report.toString()).isEqualTo(Verdict.INVALID);
  }

  private static History run(InMemoryStore store) {
    HistoryRecorder recorder = HistoryRecorder.withSystemClock();
    try (Workload workload = new Workload(SPEC, recorder, p -> store.sender())) {
      workload.start();
      await().atMost(Duration.ofSeconds(30)).until(() -> workload.operations() >= 1_000);
      workload.stop();
      assertThat(
              workload.finalReads(
                  store.sender(), workload.lastProcessId() + 1, Duration.ofSeconds(5)))
          .isEmpty();
    }
    return recorder.finish();
  }
}

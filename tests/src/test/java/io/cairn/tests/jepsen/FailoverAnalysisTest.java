package io.cairn.tests.jepsen;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tests.history.History;
import io.cairn.tests.history.Op;
import io.cairn.tests.history.OpResult;
import io.cairn.tests.history.Operation;
import io.cairn.tests.history.ReadConsistency;
import java.util.List;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

class FailoverAnalysisTest {

  private static final long MS = 1_000_000;

  /** Keys a* live on shard 1, b* on shard 2. */
  private static final ToIntFunction<String> SHARD = key -> key.startsWith("a") ? 1 : 2;

  @Test
  void recoveryEndsAtTheFirstOkWriteOnTheShardInvokedAfterTheKill() {
    History history =
        new History(
            List.of(
                // invoked before the kill: does not count even though it completes after
                Operation.ok(
                    1, 1, Op.put("a1", "v1"), 90 * MS, 150 * MS, new OpResult.PutResult(5)),
                Operation.info(2, 2, Op.put("a1", "v2"), 110 * MS, 400 * MS, "DEADLINE_EXCEEDED"),
                // another shard's write: does not count
                Operation.ok(
                    3, 3, Op.put("b1", "v3"), 120 * MS, 130 * MS, new OpResult.PutResult(6)),
                // a read: does not count
                Operation.ok(
                    4,
                    1,
                    Op.get("a1", ReadConsistency.LINEARIZABLE),
                    200 * MS,
                    210 * MS,
                    new OpResult.GetResult(true, "v1", 5)),
                Operation.ok(
                    5, 1, Op.put("a2", "v4"), 600 * MS, 900 * MS, new OpResult.PutResult(9)),
                Operation.ok(
                    6, 3, Op.put("a1", "v5"), 700 * MS, 800 * MS, new OpResult.PutResult(8)),
                // after recovery: not counted as INFO of the window
                Operation.info(7, 2, Op.put("a1", "v6"), 950 * MS, 1_000 * MS, "UNAVAILABLE")));

    FailoverAnalysis.Report report =
        FailoverAnalysis.analyze(
            List.of(new LeaderKill(1, 2, 100 * MS, Fault.KILL_LEADER)), history, SHARD);

    assertThat(report.kills()).isEqualTo(1);
    assertThat(report.recoveryMillis()).containsExactly(700.0);
    assertThat(report.infoOperations()).isEqualTo(1);
    assertThat(report.unrecovered()).isZero();
  }

  @Test
  void aKillWithNoLaterWriteIsUnrecovered() {
    History history =
        new History(
            List.of(
                Operation.ok(
                    1, 1, Op.put("a1", "v1"), 10 * MS, 20 * MS, new OpResult.PutResult(5))));

    FailoverAnalysis.Report report =
        FailoverAnalysis.analyze(
            List.of(new LeaderKill(1, 1, 50 * MS, Fault.KILL_LEADER)), history, SHARD);

    assertThat(report.unrecovered()).isEqualTo(1);
    assertThat(report.recoveryMillis()).isEmpty();
    assertThat(report.percentileMillis(0.5)).isNaN();
  }

  @Test
  void percentilesAreNearestRank() {
    List<FailoverAnalysis.Recovery> recoveries = new java.util.ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      recoveries.add(
          new FailoverAnalysis.Recovery(
              new LeaderKill(1, 1, 0, Fault.KILL_RANDOM),
              java.util.OptionalLong.of(i * 100 * MS),
              0));
    }
    FailoverAnalysis.Report report = new FailoverAnalysis.Report(recoveries);

    assertThat(report.percentileMillis(0.5)).isEqualTo(500.0);
    assertThat(report.percentileMillis(0.99)).isEqualTo(1_000.0);
    assertThat(report.percentileMillis(1.0)).isEqualTo(1_000.0);
  }
}

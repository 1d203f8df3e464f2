package io.cairn.tests.checker;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tests.history.Failure;
import io.cairn.tests.history.History;
import io.cairn.tests.history.Op;
import io.cairn.tests.history.OpKind;
import io.cairn.tests.history.OpResult;
import io.cairn.tests.history.Operation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * The optimized search agrees with brute force on small histories, linearizable ones from {@link
 * RegisterSimulation} and the same with one answer corrupted (most of those are not).
 */
class LinearizationSearchOracleTest {

  private static final SearchLimits GENEROUS = new SearchLimits(1_000_000, Duration.ofMinutes(1));

  @Property(tries = 2000)
  void theSearchAndBruteForceGiveTheSameVerdict(
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 4) int processes,
      @ForAll @IntRange(min = 1, max = 4) int opsPerProcess,
      @ForAll @IntRange(min = 0, max = 60) int infoPercent,
      @ForAll boolean corrupt) {
    History history =
        RegisterSimulation.run(
            seed, new RegisterSimulation.Parameters(processes, 1, opsPerProcess, infoPercent));
    if (corrupt) {
      history = corruptOneAnswer(history, new Random(seed));
    }
    List<KeyObligation> obligations =
        history.operations().stream().map(KeyObligation::of).flatMap(Optional::stream).toList();

    LinearizationSearch.Result result =
        LinearizationSearch.run(obligations, GENEROUS, System::nanoTime);

    Verdict expected =
        BruteForceLinearizer.isLinearizable(obligations) ? Verdict.VALID : Verdict.INVALID;
    Statistics.collect(corrupt ? "corrupted" : "simulated", expected);
    assertThat(result.verdict()).as(history.operations().toString()).isEqualTo(expected);
  }

  /**
   * Changes one answer to another plausible one (a version, a value, found or existed flags) or
   * duplicates a put's value.
   */
  static History corruptOneAnswer(History history, Random random) {
    List<Operation> operations = new ArrayList<>(history.operations());
    List<String> values =
        operations.stream().map(op -> op.op().value()).filter(v -> v != null).toList();
    int index = random.nextInt(operations.size());
    Operation op = operations.get(index);
    long delta = random.nextBoolean() ? 1 : -1;
    Operation changed = op;
    if (op.op().kind().isPut() && values.size() > 1 && random.nextInt(4) == 0) {
      // A value written twice: the search must not rely on values identifying writes.
      String twin = values.get(random.nextInt(values.size()));
      Op duplicate =
          op.op().kind() == OpKind.PUT
              ? Op.put(op.key(), twin)
              : Op.putCas(op.key(), twin, op.op().expectedVersion());
      changed =
          new Operation(
              op.id(),
              op.process(),
              duplicate,
              op.invokeNanos(),
              op.completeNanos(),
              op.outcome(),
              op.result(),
              op.failure(),
              op.infoReason());
    } else if (op.isOk()
        && op.result() instanceof OpResult.PutResult put
        && put.version() + delta > 0) {
      changed = withResult(op, OpResult.put(put.version() + delta));
    } else if (op.isOk() && op.result() instanceof OpResult.DeleteResult delete) {
      changed =
          withResult(
              op,
              random.nextBoolean()
                  ? OpResult.deleted(!delete.existed(), delete.index())
                  : OpResult.deleted(delete.existed(), Math.max(1, delete.index() + delta)));
    } else if (op.isOk() && op.result() instanceof OpResult.GetResult get) {
      if (!get.found() && !values.isEmpty()) {
        changed =
            withResult(
                op,
                OpResult.found(values.get(random.nextInt(values.size())), 1 + random.nextInt(6)));
      } else if (get.found()) {
        changed =
            withResult(
                op,
                switch (random.nextInt(3)) {
                  case 0 -> OpResult.notFound();
                  case 1 -> OpResult.found(get.value(), Math.max(1, get.version() + delta));
                  default ->
                      OpResult.found(values.get(random.nextInt(values.size())), get.version());
                });
      }
    } else if (op.failure() instanceof Failure.VersionMismatch mismatch) {
      long current = Math.max(0, mismatch.currentVersion() + delta);
      changed =
          Operation.fail(
              op.id(),
              op.process(),
              op.op(),
              op.invokeNanos(),
              op.completeNanos(),
              Failure.versionMismatch(current, current > 0));
    }
    operations.set(index, changed);
    return new History(operations);
  }

  private static Operation withResult(Operation op, OpResult result) {
    return Operation.ok(
        op.id(), op.process(), op.op(), op.invokeNanos(), op.completeNanos(), result);
  }
}

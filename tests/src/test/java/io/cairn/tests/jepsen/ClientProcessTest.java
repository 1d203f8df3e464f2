package io.cairn.tests.jepsen;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tests.history.History;
import io.cairn.tests.history.HistoryRecorder;
import io.cairn.tests.history.Op;
import io.cairn.tests.history.OpResult;
import io.cairn.tests.history.Operation;
import io.cairn.tests.history.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ClientProcessTest {

  private final HistoryRecorder recorder = HistoryRecorder.withSystemClock();

  @Test
  void compareAndSetExpectsTheVersionTheProcessLastSaw() {
    OpSender store = InMemoryStore.linearizable().sender();
    AtomicInteger sent = new AtomicInteger();
    ClientProcess process =
        new ClientProcess(
            1,
            counting(store, sent),
            recorder,
            List.of("k"),
            new OpMix(0, 0, 0, 0, 1, 0, 0),
            new Random(3),
            Duration.ofSeconds(1),
            Duration.ZERO,
            () -> sent.get() >= 20);

    process.run();

    History history = recorder.finish();
    assertThat(history.operations()).hasSize(20).allMatch(Operation::isOk);
    // A chain: each compare-and-set expects the version the previous one produced.
    long expected = 0;
    for (Operation op : history.operations()) {
      assertThat(op.op().expectedVersion()).isEqualTo(expected);
      expected = ((OpResult.PutResult) op.result()).version();
    }
  }

  @Test
  void aRefusedCompareAndSetTeachesTheCurrentVersion() {
    InMemoryStore store = InMemoryStore.linearizable();
    store.apply(Op.put("k", "other")); // version 1, behind the process's back
    AtomicInteger sent = new AtomicInteger();
    ClientProcess process =
        new ClientProcess(
            1,
            counting(store.sender(), sent),
            recorder,
            List.of("k"),
            new OpMix(0, 0, 0, 0, 1, 0, 0),
            new Random(3),
            Duration.ofSeconds(1),
            Duration.ZERO,
            () -> sent.get() >= 2);

    process.run();

    List<Operation> ops = recorder.finish().operations();
    assertThat(ops.get(0).outcome()).isEqualTo(Outcome.FAIL);
    assertThat(ops.get(1).op().expectedVersion()).isEqualTo(1);
    assertThat(ops.get(1).outcome()).isEqualTo(Outcome.OK);
  }

  @Test
  void anOperationWithoutAnswerBecomesInfoAtTheBackstopAndIsCancelled() {
    CompletableFuture<OpResult> never = new CompletableFuture<>();
    OpSender silent = sender(op -> never);

    OpOutcome outcome = ClientProcess.await(silent, Op.put("k", "v"), Duration.ofMillis(50));

    assertThat(outcome).isInstanceOf(OpOutcome.Unknown.class);
    assertThat(never).isCancelled();
  }

  @Test
  void aSenderThatThrowsGivesInfo() {
    OpSender broken =
        sender(
            op -> {
              throw new IllegalStateException("channel closed");
            });

    assertThat(ClientProcess.await(broken, Op.delete("k"), Duration.ofSeconds(1)))
        .isInstanceOf(OpOutcome.Unknown.class);
  }

  @Test
  void valuesAreUniquePerWriteAcrossProcesses() {
    OpSender store = InMemoryStore.linearizable().sender();
    AtomicInteger sent = new AtomicInteger();
    OpMix onlyPuts = new OpMix(0, 0, 0, 1, 0, 0, 0);
    for (int p = 1; p <= 3; p++) {
      int stopAt = 10 * p;
      new ClientProcess(
              p,
              counting(store, sent),
              recorder,
              List.of("a", "b"),
              onlyPuts,
              new Random(p),
              Duration.ofSeconds(1),
              Duration.ZERO,
              () -> sent.get() >= stopAt)
          .run();
    }

    List<String> values = recorder.finish().operations().stream().map(o -> o.op().value()).toList();
    assertThat(values).hasSize(30).doesNotHaveDuplicates();
  }

  private static OpSender counting(OpSender inner, AtomicInteger sent) {
    return sender(
        op -> {
          sent.incrementAndGet();
          return inner.send(op);
        });
  }

  private static OpSender sender(
      java.util.function.Function<Op, CompletableFuture<OpResult>> send) {
    return new OpSender() {
      @Override
      public CompletableFuture<OpResult> send(Op op) {
        return send.apply(op);
      }

      @Override
      public void close() {}
    };
  }
}

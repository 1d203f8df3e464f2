package io.cairn.tests.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HistoryRecorderTest {

  private final AtomicLong clock = new AtomicLong(1_000);
  private final HistoryRecorder recorder = new HistoryRecorder(() -> clock.addAndGet(10));

  @Test
  void recordsEachOutcomeWithTheClockReadAtInvocationAndCompletion() {
    long put = recorder.invoke(1, Op.put("k", "a"));
    long get = recorder.invoke(2, Op.get("k", ReadConsistency.LINEARIZABLE));
    long cas = recorder.invoke(3, Op.putCas("k", "b", 7));
    recorder.ok(put, OpResult.put(5));
    recorder.fail(cas, Failure.versionMismatch(5, true));
    recorder.info(get, "DEADLINE_EXCEEDED");

    History history = recorder.finish();

    assertThat(history.operations())
        .containsExactly(
            Operation.ok(put, 1, Op.put("k", "a"), 1_010, 1_040, OpResult.put(5)),
            Operation.info(
                get,
                2,
                Op.get("k", ReadConsistency.LINEARIZABLE),
                1_020,
                1_060,
                "DEADLINE_EXCEEDED"),
            Operation.fail(
                cas, 3, Op.putCas("k", "b", 7), 1_030, 1_050, Failure.versionMismatch(5, true)));
  }

  @Test
  void unfinishedOperationsBecomeInfoWhenTheHistoryEnds() {
    long id = recorder.invoke(4, Op.delete("k"));

    History history = recorder.finish();

    Operation operation = history.operations().get(0);
    assertThat(operation.id()).isEqualTo(id);
    assertThat(operation.outcome()).isEqualTo(Outcome.INFO);
    assertThat(operation.infoReason()).isEqualTo(HistoryRecorder.UNFINISHED);
    assertThat(operation.effectDeadlineNanos()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void aProcessRunsOneOperationAtATime() {
    recorder.invoke(1, Op.put("k", "a"));

    assertThatThrownBy(() -> recorder.invoke(1, Op.put("k", "b")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("process 1");
  }

  @Test
  void anOperationCompletesOnce() {
    long id = recorder.invoke(1, Op.put("k", "a"));
    recorder.ok(id, OpResult.put(3));

    assertThatThrownBy(() -> recorder.info(id, "late")).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aResultMustAnswerTheOperationKind() {
    long id = recorder.invoke(1, Op.put("k", "a"));

    assertThatThrownBy(() -> recorder.ok(id, OpResult.notFound()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(recorder.pendingCount()).isEqualTo(1);
  }

  @Test
  void nothingIsRecordedAfterTheEnd() {
    recorder.finish();

    assertThatThrownBy(() -> recorder.invoke(1, Op.delete("k")))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void concurrentClientsGetUniqueIdsAndEveryOperationIsKept() throws Exception {
    int processes = 4;
    int perProcess = 500;
    ExecutorService pool = Executors.newFixedThreadPool(processes);
    CountDownLatch done = new CountDownLatch(processes);
    for (int p = 0; p < processes; p++) {
      int process = p;
      pool.execute(
          () -> {
            for (int i = 0; i < perProcess; i++) {
              long id = recorder.invoke(process, Op.put("k" + process, "v" + process + "-" + i));
              recorder.ok(id, OpResult.put(i + 1));
            }
            done.countDown();
          });
    }
    assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    pool.shutdown();

    History history = recorder.finish();

    assertThat(history.size()).isEqualTo(processes * perProcess);
    assertThat(history.byKey()).hasSize(processes);
  }
}

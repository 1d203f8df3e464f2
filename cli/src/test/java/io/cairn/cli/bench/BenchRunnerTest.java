package io.cairn.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.client.FakeClock;
import io.cairn.proto.Consistency;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The bench loop against a fake client whose every operation takes exactly 2 ms of fake time. */
class BenchRunnerTest {
  private final FakeClock clock = new FakeClock();
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private final AtomicInteger count = new AtomicInteger();
  private int failEvery; // 0: never

  private final KvOps ops =
      new KvOps() {
        @Override
        public CompletableFuture<?> put(int worker, byte[] key, byte[] value) {
          return answer("put " + new String(key, StandardCharsets.UTF_8) + " " + value.length);
        }

        @Override
        public CompletableFuture<?> get(int worker, byte[] key, Consistency consistency) {
          return answer("get " + new String(key, StandardCharsets.UTF_8) + " " + consistency);
        }
      };

  private CompletableFuture<?> answer(String call) {
    calls.add(call);
    clock.advanceMs(2);
    if (failEvery > 0 && count.incrementAndGet() % failEvery == 0) {
      return CompletableFuture.failedFuture(new IllegalStateException("injected"));
    }
    return CompletableFuture.completedFuture(null);
  }

  private static BenchPlan plan(
      BenchPlan.Workload workload, double readRatio, boolean preload, int keys) {
    return new BenchPlan(
        1, 0.1, 0.01, workload, readRatio, keys, 8, 16, ReadConsistency.EVENTUAL, preload, 7, 1);
  }

  @Test
  void onlyOperationsAfterTheWarmUpAreRecorded() throws Exception {
    BenchReport r = new BenchRunner(plan(BenchPlan.Workload.PUT, 0, false, 100), ops, clock).run();
    // Operations start every 2 ms; 5 fall in the 10 ms warm-up, 50 in the 100 ms window.
    assertThat(calls).hasSize(55);
    assertThat(r.ops()).isEqualTo(50);
    assertThat(r.errors()).isZero();
    assertThat(r.opsPerSecond()).isEqualTo(500.0);
    assertThat(r.percentileMs(50)).isEqualTo(2.0);
    assertThat(r.percentileMs(99.9)).isEqualTo(2.0);
    assertThat(r.maxMs()).isEqualTo(2.0);
    assertThat(calls).allSatisfy(c -> assertThat(c).matches("put k\\d{7} 16"));
  }

  @Test
  void theWindowListenerRunsOnceWhenTheFirstMeasuredRequestIsIssued() throws Exception {
    List<Integer> callsBeforeWindow = new CopyOnWriteArrayList<>();
    new BenchRunner(
            plan(BenchPlan.Workload.PUT, 0, false, 100),
            ops,
            clock,
            () -> callsBeforeWindow.add(calls.size()))
        .run();
    // The 5 warm-up operations (2 ms each in a 10 ms warm-up) were issued before it, none after.
    assertThat(callsBeforeWindow).containsExactly(5);
    assertThat(calls).hasSize(55);
  }

  @Test
  void errorsAreCountedByKindAndLeftOutOfTheLatencies() throws Exception {
    failEvery = 5;
    BenchReport r = new BenchRunner(plan(BenchPlan.Workload.PUT, 0, false, 100), ops, clock).run();
    assertThat(r.ops() + r.errors()).isEqualTo(50);
    assertThat(r.errors()).isEqualTo(10);
    assertThat(r.render()).contains("errors      10 (IllegalStateException=10)");
  }

  @Test
  void theMixFollowsTheReadRatio() throws Exception {
    BenchPlan plan =
        new BenchPlan(
            2, 2, 0, BenchPlan.Workload.MIX, 0.3, 100, 8, 16, ReadConsistency.SESSION, false, 7, 1);
    BenchReport r = new BenchRunner(plan, ops, clock).run();
    long gets = calls.stream().filter(c -> c.startsWith("get")).count();
    assertThat(calls).hasSize(1000);
    assertThat(gets).isBetween(230L, 370L);
    assertThat(calls)
        .filteredOn(c -> c.startsWith("get"))
        .allSatisfy(c -> assertThat(c).endsWith("SESSION"));
    assertThat(r.ops()).isEqualTo(1000);
  }

  @Test
  void preloadWritesEveryKeyOnceFirst() throws Exception {
    BenchReport r = new BenchRunner(plan(BenchPlan.Workload.GET, 0, true, 20), ops, clock).run();
    List<String> preload = calls.subList(0, 20);
    assertThat(preload).allSatisfy(c -> assertThat(c).startsWith("put ")).doesNotHaveDuplicates();
    assertThat(preload).contains("put k0000000 16", "put k0000019 16");
    assertThat(calls.subList(20, calls.size()))
        .allSatisfy(c -> assertThat(c).startsWith("get ").endsWith("EVENTUAL"));
    assertThat(r.render()).contains("preload     20 keys in 0.04 s, 0 errors");
  }

  @Test
  void theSameSeedChoosesTheSameKeys() throws Exception {
    new BenchRunner(plan(BenchPlan.Workload.PUT, 0, false, 1000), ops, clock).run();
    List<String> first = List.copyOf(calls);
    calls.clear();
    new BenchRunner(plan(BenchPlan.Workload.PUT, 0, false, 1000), ops, clock).run();
    assertThat(calls).isEqualTo(first);
  }

  @Test
  void keysArePaddedToTheirLength() {
    BenchPlan plan =
        new BenchPlan(
            1,
            1,
            0,
            BenchPlan.Workload.PUT,
            0,
            100_000,
            7,
            0,
            ReadConsistency.LINEARIZABLE,
            false,
            1,
            1);
    assertThat(new String(plan.key(7), StandardCharsets.UTF_8)).isEqualTo("k000007");
    assertThat(new String(plan.key(99_999), StandardCharsets.UTF_8)).isEqualTo("k099999");
    assertThatThrownBy(
            () ->
                new BenchPlan(
                    1,
                    0,
                    -1,
                    BenchPlan.Workload.PUT,
                    2,
                    0,
                    1,
                    -1,
                    ReadConsistency.LINEARIZABLE,
                    false,
                    1,
                    2))
        .hasMessageContaining("--duration-s is 0.0")
        .hasMessageContaining("--warmup-s is -1.0")
        .hasMessageContaining("--read-ratio is 2.0")
        .hasMessageContaining("--keys is 0")
        .hasMessageContaining("--value-bytes is -1")
        .hasMessageContaining("--client-instances is 2");
  }
}

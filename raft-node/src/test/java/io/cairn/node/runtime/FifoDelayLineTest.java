package io.cairn.node.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FifoDelayLineTest {
  /** A clock and a timer the test moves by hand. */
  private static final class Hand {
    record Timer(long dueAt, Runnable task) {}

    long now;
    final List<Timer> timers = new ArrayList<>();

    void schedule(Runnable task, long delayNanos) {
      timers.add(new Timer(now + delayNanos, task));
    }

    /**
     * Moves the clock to {@code t} and fires the timers due by then, in the order they were set.
     */
    void advanceTo(long t) {
      now = t;
      Optional<Timer> due;
      while ((due = timers.stream().filter(x -> x.dueAt() <= now).findFirst()).isPresent()) {
        timers.remove(due.get());
        due.get().task().run();
      }
    }
  }

  private final Hand hand = new Hand();
  private final FifoDelayLine line = new FifoDelayLine(hand::schedule, 100, () -> hand.now);

  @Test
  void tasksRunInOrderAtTheirDeadlinesWithOneTimerForTheLine() {
    List<String> ran = new ArrayList<>();
    line.add(() -> ran.add("a"));
    hand.now = 30;
    line.add(() -> ran.add("b"));
    hand.now = 60;
    line.add(() -> ran.add("c"));
    assertEquals(1, hand.timers.size(), "later tasks ride on the timer already set");

    hand.advanceTo(99);
    assertEquals(List.of(), ran);
    hand.advanceTo(100);
    assertEquals(List.of("a"), ran);
    hand.advanceTo(129);
    assertEquals(List.of("a"), ran);
    hand.advanceTo(160);
    assertEquals(List.of("a", "b", "c"), ran);
    assertTrue(hand.timers.isEmpty(), "an empty line sets no timer");
  }

  @Test
  void aCalledOffTaskNeverRunsAndTheTasksBehindItStillDo() {
    List<String> ran = new ArrayList<>();
    Scheduler.Cancellable first = line.add(() -> ran.add("called off"));
    hand.now = 10;
    line.add(() -> ran.add("kept"));
    first.cancel();

    hand.advanceTo(100);
    assertEquals(List.of(), ran, "the kept task's deadline is 110");
    hand.advanceTo(110);
    assertEquals(List.of("kept"), ran);
  }

  @Test
  void aLineThatRanDrySetsATimerAgainForItsNextTask() {
    AtomicInteger runs = new AtomicInteger();
    line.add(runs::incrementAndGet);
    hand.advanceTo(100);
    assertEquals(1, runs.get());

    hand.now = 500;
    line.add(runs::incrementAndGet);
    assertEquals(1, hand.timers.size());
    hand.advanceTo(599);
    assertEquals(1, runs.get());
    hand.advanceTo(600);
    assertEquals(2, runs.get());
  }

  @Test
  void aTaskThatThrowsDoesNotStrandTheOnesAfterIt() {
    List<String> ran = new ArrayList<>();
    line.add(
        () -> {
          throw new IllegalStateException("thrown on purpose by the test");
        });
    line.add(() -> ran.add("after"));
    hand.advanceTo(100);
    assertEquals(List.of("after"), ran);
  }

  @Test
  void onRealThreadsEveryTaskAddedFromManyThreadsRunsOnceAndNotEarly() throws Exception {
    int threads = 4;
    int perThread = 500;
    long delayMs = 2;
    ConcurrentHashMap<Integer, Integer> runs = new ConcurrentHashMap<>();
    AtomicInteger early = new AtomicInteger();
    CountDownLatch allRan = new CountDownLatch(threads * perThread);
    ExecutorService adders = Executors.newFixedThreadPool(threads);
    try (ThreadScheduler scheduler = new ThreadScheduler("delay-line-test", 2)) {
      Scheduler.DelayLine real = scheduler.delayLine(delayMs);
      for (int t = 0; t < threads; t++) {
        int base = t * perThread;
        adders.execute(
            () -> {
              for (int i = 0; i < perThread; i++) {
                int id = base + i;
                long addedAt = System.nanoTime();
                real.add(
                    () -> {
                      if (System.nanoTime() - addedAt < TimeUnit.MILLISECONDS.toNanos(delayMs)) {
                        early.incrementAndGet();
                      }
                      runs.merge(id, 1, Integer::sum);
                      allRan.countDown();
                    });
              }
            });
      }
      assertTrue(allRan.await(30, TimeUnit.SECONDS), "tasks left: " + allRan.getCount());
    } finally {
      adders.shutdownNow();
    }
    assertEquals(threads * perThread, runs.size());
    assertTrue(runs.values().stream().allMatch(n -> n == 1), "a task ran twice");
    assertEquals(0, early.get(), "tasks ran before their delay");
  }
}

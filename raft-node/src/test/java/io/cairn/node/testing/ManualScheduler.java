package io.cairn.node.testing;

import io.cairn.node.runtime.Scheduler;
import java.util.PriorityQueue;

/**
 * A {@link Scheduler} whose tasks run only when the test advances its {@link ManualClock}, on the
 * test's thread, in due-time order: timers and periodic checks become deterministic steps.
 * Thread-safe; tasks run outside the lock.
 */
public final class ManualScheduler implements Scheduler {
  /** One scheduled task; a periodic one is the same task due again. */
  private static final class Task {
    final Runnable run;
    final long periodMs;
    final long sequence;
    long dueNanos;
    boolean cancelled;

    Task(Runnable run, long periodMs, long sequence, long dueNanos) {
      this.run = run;
      this.periodMs = periodMs;
      this.sequence = sequence;
      this.dueNanos = dueNanos;
    }
  }

  private final ManualClock clock;
  private final PriorityQueue<Task> due =
      new PriorityQueue<>(
          (a, b) ->
              a.dueNanos != b.dueNanos
                  ? Long.compare(a.dueNanos, b.dueNanos)
                  : Long.compare(a.sequence, b.sequence));
  private long sequence;
  private boolean closed;

  public ManualScheduler(ManualClock clock) {
    this.clock = clock;
  }

  @Override
  public synchronized Cancellable schedule(Runnable task, long delayMs) {
    return add(task, delayMs, 0);
  }

  @Override
  public synchronized Cancellable repeat(
      String name, Runnable task, long initialDelayMs, long periodMs) {
    return add(task, initialDelayMs, periodMs);
  }

  private Cancellable add(Runnable run, long delayMs, long periodMs) {
    if (closed) {
      return () -> {};
    }
    Task t = new Task(run, periodMs, sequence++, clock.nanoTime() + delayMs * 1_000_000);
    due.add(t);
    return () -> {
      synchronized (this) {
        t.cancelled = true;
        due.remove(t);
      }
    };
  }

  /** Tasks waiting to run. */
  public synchronized int pending() {
    return due.size();
  }

  /** Advances the clock by {@code ms}, running every task that falls due, in order. */
  public void advance(long ms) {
    long target = clock.nanoTime() + ms * 1_000_000;
    while (true) {
      Task next;
      synchronized (this) {
        next = due.peek();
        if (next == null || next.dueNanos > target) {
          break;
        }
        due.poll();
      }
      clock.advance((next.dueNanos - clock.nanoTime()) / 1_000_000);
      next.run.run();
      synchronized (this) {
        if (next.periodMs > 0 && !next.cancelled && !closed) {
          next.dueNanos = clock.nanoTime() + next.periodMs * 1_000_000;
          due.add(next);
        }
      }
    }
    clock.advance((target - clock.nanoTime()) / 1_000_000);
  }

  @Override
  public synchronized void close() {
    closed = true;
    due.clear();
  }

  /** This scheduler, open again and empty: for a node restarted on the same clock. */
  public synchronized ManualScheduler reopened() {
    closed = false;
    due.clear();
    return this;
  }
}

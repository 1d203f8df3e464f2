package io.cairn.node.runtime;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Scheduler.DelayLine} that keeps one timer for all of its tasks.
 *
 * <p>Why: every linearizable read's confirmation round schedules its hedge and nearly always calls
 * it off a millisecond later. As a task of its own in a {@code ScheduledThreadPoolExecutor}, each
 * hedge became the queue's earliest deadline: it took the executor's lock and woke a timer thread,
 * thousands of times a second. Since every task here waits the same delay, deadlines arrive in the
 * order the tasks were added: a FIFO queue is sorted by deadline for free, and one timer for the
 * first task still wanted is enough; tasks called off meanwhile are skipped when it fires.
 * (docs/benchmarks.md, "Hedge timers without a wake-up per round": scheduling hedges went from 2.2
 * to 0.2 % of the nodes' CPU under 16 clients of reads.)
 *
 * <p>Thread-safe. Tasks run on the thread the given timer runs them on, one at a time, in order.
 */
final class FifoDelayLine implements Scheduler.DelayLine {
  private static final Logger LOG = LoggerFactory.getLogger(FifoDelayLine.class);

  /** Runs a task once, after a delay in nanoseconds. */
  @FunctionalInterface
  interface NanoTimer {
    void schedule(Runnable task, long delayNanos);
  }

  private static final class Entry implements Scheduler.Cancellable {
    final long deadlineNanos;
    volatile Runnable task;

    Entry(long deadlineNanos, Runnable task) {
      this.deadlineNanos = deadlineNanos;
      this.task = task;
    }

    @Override
    public void cancel() {
      task = null; // lets the task's captures go now, not at its deadline
    }
  }

  private final NanoTimer timer;
  private final long delayNanos;
  private final LongSupplier nanoTime;
  private final ConcurrentLinkedQueue<Entry> queue = new ConcurrentLinkedQueue<>();

  /** True from the moment a drain is scheduled until a drain finds the line empty. */
  private final AtomicBoolean armed = new AtomicBoolean();

  FifoDelayLine(NanoTimer timer, long delayNanos) {
    this(timer, delayNanos, System::nanoTime);
  }

  FifoDelayLine(NanoTimer timer, long delayNanos, LongSupplier nanoTime) {
    if (delayNanos < 0) {
      throw new IllegalArgumentException("delay is " + delayNanos + " ns; use 0 or more");
    }
    this.timer = timer;
    this.delayNanos = delayNanos;
    this.nanoTime = nanoTime;
  }

  @Override
  public Scheduler.Cancellable add(Runnable task) {
    Entry entry = new Entry(nanoTime.getAsLong() + delayNanos, task);
    queue.add(entry);
    if (armed.compareAndSet(false, true)) {
      timer.schedule(this::drain, delayNanos);
    }
    return entry;
  }

  /** Runs every task whose deadline has passed, then sets the timer for the next one, if any. */
  private void drain() {
    while (true) {
      Entry head = queue.peek();
      if (head == null) {
        armed.set(false);
        // An add between the peek and the line above saw the line armed and set no timer.
        if (queue.isEmpty() || !armed.compareAndSet(false, true)) {
          return;
        }
        continue;
      }
      Runnable task = head.task;
      if (task != null) {
        long waitNanos = head.deadlineNanos - nanoTime.getAsLong();
        if (waitNanos > 0) {
          timer.schedule(this::drain, waitNanos);
          return;
        }
      }
      queue.poll();
      if (task != null) {
        runGuarded(task);
      }
    }
  }

  private static void runGuarded(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      // One task's failure must not strand the tasks queued behind it.
      LOG.warn("a delayed task failed; the tasks after it still run", e);
    }
  }
}

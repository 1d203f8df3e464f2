package io.cairn.node.runtime;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * Where the server schedules work: timers, periodic checks and request timeouts all go through the
 * one instance {@code CairnNode} is given, so a test can run them by hand ({@code ManualScheduler}
 * in the test sources). Thread-safe.
 */
public interface Scheduler extends AutoCloseable {
  /** A scheduled task that can still be called off. */
  @FunctionalInterface
  interface Cancellable {
    void cancel();
  }

  /** Runs {@code task} once, {@code delayMs} from now, on a scheduler thread. */
  Cancellable schedule(Runnable task, long delayMs);

  /**
   * Runs {@code task} every {@code periodMs} after a first run {@code initialDelayMs} from now,
   * measured from the end of one run to the start of the next. A run that throws is logged by the
   * implementation and does not stop the next one.
   */
  Cancellable repeat(String name, Runnable task, long initialDelayMs, long periodMs);

  /** Runs tasks that all wait the same delay; see {@link #delayLine}. */
  @FunctionalInterface
  interface DelayLine {
    /** Runs {@code task} once, the line's delay from now, on a scheduler thread. */
    Cancellable add(Runnable task);
  }

  /**
   * A line of tasks that each run {@code delayMs} after they were added. Same as {@link #schedule}
   * with that delay, but an implementation may take advantage of the deadlines arriving in order: a
   * task that is added and called off many times a second (the hedge of every leadership
   * confirmation round) then need not wake a timer thread each time.
   */
  default DelayLine delayLine(long delayMs) {
    return task -> schedule(task, delayMs);
  }

  /**
   * {@code future}, failed with a {@link TimeoutException} if it is not done within {@code
   * timeoutMs}. Returns the same future (like {@code CompletableFuture.orTimeout}, whose JDK-wide
   * timer a test cannot drive).
   */
  default <T> CompletableFuture<T> withTimeout(CompletableFuture<T> future, long timeoutMs) {
    if (future.isDone()) {
      return future;
    }
    Cancellable timer =
        schedule(
            () ->
                future.completeExceptionally(
                    new TimeoutException("no answer within " + timeoutMs + " ms")),
            timeoutMs);
    future.whenComplete((r, e) -> timer.cancel());
    return future;
  }

  /** Stops running tasks; scheduling afterwards does nothing. */
  @Override
  void close();
}

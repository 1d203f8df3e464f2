package io.cairn.node.runtime;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production {@link Scheduler}: a small pool of daemon threads. Tasks must be short; anything
 * that blocks belongs on its own executor.
 */
public final class ThreadScheduler implements Scheduler {
  private static final Logger LOG = LoggerFactory.getLogger(ThreadScheduler.class);

  private final ScheduledThreadPoolExecutor executor;

  public ThreadScheduler(String name, int threads) {
    executor = new ScheduledThreadPoolExecutor(threads, DaemonThreads.numbered(name));
    // Request timeouts are mostly cancelled; keep the queue from filling with dead timers.
    executor.setRemoveOnCancelPolicy(true);
  }

  @Override
  public Cancellable schedule(Runnable task, long delayMs) {
    return scheduleNanos(task, TimeUnit.MILLISECONDS.toNanos(delayMs));
  }

  @Override
  public DelayLine delayLine(long delayMs) {
    return new FifoDelayLine(this::scheduleNanos, TimeUnit.MILLISECONDS.toNanos(delayMs));
  }

  private Cancellable scheduleNanos(Runnable task, long delayNanos) {
    try {
      ScheduledFuture<?> f = executor.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
      return () -> f.cancel(false);
    } catch (RejectedExecutionException closed) {
      return () -> {};
    }
  }

  @Override
  public Cancellable repeat(String name, Runnable task, long initialDelayMs, long periodMs) {
    Runnable guarded =
        () -> {
          try {
            task.run();
          } catch (RuntimeException e) {
            LOG.warn("{} failed; it runs again in {} ms", name, periodMs, e);
          }
        };
    try {
      ScheduledFuture<?> f =
          executor.scheduleWithFixedDelay(guarded, initialDelayMs, periodMs, TimeUnit.MILLISECONDS);
      return () -> f.cancel(false);
    } catch (RejectedExecutionException closed) {
      return () -> {};
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}

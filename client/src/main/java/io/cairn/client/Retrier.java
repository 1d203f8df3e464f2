package io.cairn.client;

import io.grpc.Status;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Runs an operation as a series of attempts within one overall deadline.
 *
 * <p>Each attempt gets {@code min(time left, attemptTimeoutMsMax)}. A failed attempt is retried
 * only if its status is retryable ({@link ErrorMapping#isRetryable}) and the backoff delay still
 * fits before the deadline; otherwise the operation fails with the last attempt's error (its
 * message saying how many attempts were made). One exception: an attempt that only timed out
 * because the overall deadline cut its time short says less than the failure before it (say,
 * UNAVAILABLE: no quorum), so that earlier failure is reported instead. The attempt function must
 * make its attempts equivalent: writes reuse one WriteId, which is what makes retrying them safe.
 *
 * <p>Thread-safe. Attempts start on the calling thread (the first) or the scheduler (retries);
 * completions run on whichever thread completed the attempt.
 */
final class Retrier {
  /** One attempt: {@code number} counts from 0; it should give up after {@code timeoutMs}. */
  @FunctionalInterface
  interface Attempt<R> {
    CompletableFuture<R> run(int number, long timeoutMs);
  }

  private final LongSupplier nanoTime;
  private final long requestTimeoutMs;
  private final long attemptTimeoutMsMax;
  private final Backoff backoff;
  private final ScheduledExecutorService scheduler;
  private final Set<CompletableFuture<?>> running = ConcurrentHashMap.newKeySet();

  Retrier(
      LongSupplier nanoTime,
      long requestTimeoutMs,
      long attemptTimeoutMsMax,
      Backoff backoff,
      ScheduledExecutorService scheduler) {
    this.nanoTime = nanoTime;
    this.requestTimeoutMs = requestTimeoutMs;
    this.attemptTimeoutMsMax = attemptTimeoutMsMax;
    this.backoff = backoff;
    this.scheduler = scheduler;
  }

  <R> CompletableFuture<R> run(String op, Attempt<R> attempt) {
    CompletableFuture<R> result = new CompletableFuture<>();
    running.add(result);
    result.whenComplete((r, e) -> running.remove(result));
    long start = nanoTime.getAsLong();
    new Run<>(op, attempt, result, start, start + TimeUnit.MILLISECONDS.toNanos(requestTimeoutMs))
        .attempt(0);
    return result;
  }

  /** Fails every operation still running (the client is closing). */
  void failAll(CairnException error) {
    for (CompletableFuture<?> f : running) {
      f.completeExceptionally(error);
    }
  }

  private final class Run<R> {
    private final String op;
    private final Attempt<R> attempt;
    private final CompletableFuture<R> result;
    private final long startNanos;
    private final long deadlineNanos;
    // Written by one attempt's completion before the next attempt is scheduled (happens-before via
    // the scheduler), so never concurrently.
    private boolean attemptCutShort;
    private CairnException mostTelling;

    Run(
        String op,
        Attempt<R> attempt,
        CompletableFuture<R> result,
        long startNanos,
        long deadlineNanos) {
      this.op = op;
      this.attempt = attempt;
      this.result = result;
      this.startNanos = startNanos;
      this.deadlineNanos = deadlineNanos;
    }

    void attempt(int number) {
      if (result.isDone()) {
        return;
      }
      long now = nanoTime.getAsLong();
      long leftNanos = deadlineNanos - now;
      if (leftNanos <= 0) {
        // A retry's timer can fire late on a busy machine, past a deadline it was scheduled to
        // fit in: then the failures so far say more than "no time left".
        result.completeExceptionally(
            number == 0
                ? ErrorMapping.deadlineBeforeFirstAttempt(op, requestTimeoutMs)
                : ErrorMapping.gaveUp(
                    mostTelling, number, TimeUnit.NANOSECONDS.toMillis(now - startNanos)));
        return;
      }
      long leftMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(leftNanos));
      long timeoutMs = Math.min(leftMs, attemptTimeoutMsMax);
      attemptCutShort = leftMs < attemptTimeoutMsMax;
      CompletableFuture<R> answer;
      try {
        answer = attempt.run(number, timeoutMs);
      } catch (RuntimeException e) {
        answer = CompletableFuture.failedFuture(e);
      }
      answer.whenComplete(
          (value, error) -> {
            if (error == null) {
              result.complete(value);
            } else {
              failed(number, ErrorMapping.fromThrowable(op, error));
            }
          });
    }

    private void failed(int number, CairnException error) {
      int attempts = number + 1;
      if (!ErrorMapping.isRetryable(error)) {
        result.completeExceptionally(error);
        return;
      }
      if (!(attemptCutShort && error.code() == Status.Code.DEADLINE_EXCEEDED)
          || mostTelling == null) {
        mostTelling = error;
      }
      long now = nanoTime.getAsLong();
      long delayMs = backoff.delayMs(attempts);
      if (deadlineNanos - now <= TimeUnit.MILLISECONDS.toNanos(delayMs)) {
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(now - startNanos);
        result.completeExceptionally(ErrorMapping.gaveUp(mostTelling, attempts, elapsedMs));
        return;
      }
      try {
        scheduler.schedule(() -> attempt(number + 1), delayMs, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException closing) {
        result.completeExceptionally(ErrorMapping.clientClosed(op, closing));
      }
    }
  }
}

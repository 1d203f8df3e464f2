package io.cairn.tests.jepsen;

import io.cairn.tests.history.Op;
import io.cairn.tests.history.OpResult;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Watches operations as they complete, for a scenario that needs to know "has the majority
 * acknowledged a write since time t" and "did the cut-off node answer a read invoked after that"
 * while the run goes on. Only a steering aid: the checker, on the full history, is the judge.
 * Thread-safe.
 */
final class OutcomeWatch {

  private final AtomicLong firstWriteOkAfterMark = new AtomicLong(Long.MAX_VALUE);
  private final AtomicLong readsOkAfterThatWrite = new AtomicLong();
  private volatile long markNanos = Long.MAX_VALUE;
  private volatile boolean watching;

  /** Starts watching writes invoked from now on; forgets what was seen before. */
  void mark() {
    firstWriteOkAfterMark.set(Long.MAX_VALUE);
    readsOkAfterThatWrite.set(0);
    markNanos = System.nanoTime();
    watching = true;
  }

  /** Stops counting (say, before a partition heals); the counts stay readable. */
  void close() {
    watching = false;
  }

  /**
   * Completion time of the first OK write invoked after the mark; MAX_VALUE while there is none.
   */
  long firstWriteOkAfterMark() {
    return firstWriteOkAfterMark.get();
  }

  /** OK reads invoked after {@link #firstWriteOkAfterMark()}. */
  long readsOkAfterThatWrite() {
    return readsOkAfterThatWrite.get();
  }

  /** A sender that reports its OK writes to this watch. */
  OpSender writes(OpSender inner) {
    return observe(
        inner,
        (invoked, completed) -> {
          if (watching && invoked >= markNanos) {
            firstWriteOkAfterMark.accumulateAndGet(completed, Math::min);
          }
        });
  }

  /** A sender that reports its OK reads to this watch. */
  OpSender reads(OpSender inner) {
    return observe(
        inner,
        (invoked, completed) -> {
          if (watching && invoked > firstWriteOkAfterMark.get()) {
            readsOkAfterThatWrite.incrementAndGet();
          }
        });
  }

  private interface OkListener {
    void ok(long invokedNanos, long completedNanos);
  }

  private static OpSender observe(OpSender inner, OkListener listener) {
    return new OpSender() {
      @Override
      public CompletableFuture<OpResult> send(Op op) {
        long invoked = System.nanoTime();
        return inner
            .send(op)
            .whenComplete(
                (r, e) -> {
                  if (e == null) {
                    listener.ok(invoked, System.nanoTime());
                  }
                });
      }

      @Override
      public void close() {
        inner.close();
      }
    };
  }
}

package io.cairn.node.read;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Runs one leadership confirmation round at a time for a shard and lets every read that arrives
 * meanwhile share the next one: reads cost one round per batch, not one each.
 *
 * <p>The guarantee a caller gets: the round its future reports on <em>started after</em> its call
 * to {@link #next()}. A read must not ride on a round that was already under way when it arrived,
 * because that round's answers may predate the read. So a caller either starts a round itself (none
 * running) or waits for the one after the running round.
 *
 * <p>Thread-safe; guarded by {@code this}. Futures complete outside the lock.
 *
 * @param <T> what a round proves, e.g. the term that was confirmed
 */
final class ConfirmationRounds<T> {
  private final Supplier<CompletableFuture<T>> round;
  private boolean running;
  private CompletableFuture<T> waitingForNext;

  /**
   * @param round starts one round and completes with its result or its failure
   */
  ConfirmationRounds(Supplier<CompletableFuture<T>> round) {
    this.round = round;
  }

  /** The outcome of a round that starts after this call. */
  CompletableFuture<T> next() {
    CompletableFuture<T> mine;
    boolean startNow;
    synchronized (this) {
      startNow = !running;
      if (startNow) {
        running = true;
        mine = new CompletableFuture<>();
      } else {
        if (waitingForNext == null) {
          waitingForNext = new CompletableFuture<>();
        }
        mine = waitingForNext;
      }
    }
    if (startNow) {
      start(mine);
    }
    return mine;
  }

  private void start(CompletableFuture<T> waiters) {
    CompletableFuture<T> outcome;
    try {
      outcome = round.get();
    } catch (RuntimeException e) {
      outcome = CompletableFuture.failedFuture(e);
    }
    outcome.whenComplete(
        (result, error) -> {
          CompletableFuture<T> following;
          synchronized (this) {
            following = waitingForNext;
            waitingForNext = null;
            running = following != null;
          }
          if (following != null) {
            start(following);
          }
          if (error == null) {
            waiters.complete(result);
          } else {
            waiters.completeExceptionally(error);
          }
        });
  }
}

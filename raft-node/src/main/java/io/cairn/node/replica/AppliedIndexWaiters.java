package io.cairn.node.replica;

import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;

/**
 * Futures that complete once a replica's applied index reaches a given index.
 *
 * <p>Session reads use it to wait, on a follower, until the follower has applied the client's
 * last-seen index. {@link #advanceTo} is called by the apply thread; {@link #await} from request
 * threads. Guarded by {@code this}.
 */
final class AppliedIndexWaiters {
  private final PriorityQueue<Map.Entry<Long, CompletableFuture<Long>>> waiting =
      new PriorityQueue<>(Map.Entry.comparingByKey());
  private long applied = -1;

  /**
   * A future that completes once {@code index} is applied. A waiter that gives up (its future is
   * completed by a timeout or cancelled) leaves the queue: the index comes from a client and may
   * never be reached on this replica.
   */
  CompletableFuture<Long> await(long index) {
    Map.Entry<Long, CompletableFuture<Long>> entry;
    synchronized (this) {
      if (applied >= index) {
        return CompletableFuture.completedFuture(applied);
      }
      entry = Map.entry(index, new CompletableFuture<>());
      waiting.add(entry);
    }
    entry
        .getValue()
        .whenComplete(
            (i, e) -> {
              if (e != null) {
                forget(entry);
              }
            });
    return entry.getValue();
  }

  private synchronized void forget(Map.Entry<Long, CompletableFuture<Long>> entry) {
    waiting.remove(entry);
  }

  /** How many waiters are queued. */
  synchronized int waiting() {
    return waiting.size();
  }

  void advanceTo(long index) {
    // Complete outside the lock: callers' continuations must not run while we hold it.
    java.util.List<CompletableFuture<Long>> ready = new java.util.ArrayList<>();
    synchronized (this) {
      if (index <= applied) {
        return;
      }
      applied = index;
      while (!waiting.isEmpty() && waiting.peek().getKey() <= index) {
        ready.add(waiting.poll().getValue());
      }
    }
    ready.forEach(f -> f.complete(index));
  }

  /** Fails every waiter, e.g. when the replica closes. */
  void failAll(Throwable cause) {
    java.util.List<CompletableFuture<Long>> all = new java.util.ArrayList<>();
    synchronized (this) {
      waiting.forEach(e -> all.add(e.getValue()));
      waiting.clear();
    }
    all.forEach(f -> f.completeExceptionally(cause));
  }
}

package io.cairn.node.write;

import io.cairn.node.config.NodeConfig;
import io.cairn.node.ops.RequestPathObserver;
import io.cairn.node.runtime.NodeClock;
import io.cairn.node.runtime.Scheduler;
import io.cairn.proto.internal.BatchResult;
import io.cairn.proto.internal.Command;
import io.cairn.proto.internal.CommandBatch;
import io.cairn.proto.internal.CommandResult;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Groups concurrent writes for one shard into one Raft log entry.
 *
 * <p>Why: a log entry's cost is nearly independent of its size (shared/notes/ratis.md measured 8
 * puts per entry at the cost of 1), so on a busy shard the leader proposes whatever has queued up
 * while earlier entries were in flight. With no queue a write goes out at once: batching adds no
 * latency to a lone client.
 *
 * <p>An entry never holds two commands for the same key, so every command's version (the entry's
 * index) identifies exactly one state of its key; compare-and-set relies on that.
 *
 * <p>An entry that Ratis gives no outcome for within {@code entryDeadlineMs} is given up: its
 * commands fail as timed out (their outcome unknown, as for any timeout: the entry may still
 * commit, and a retry with the same write id is applied at most once), and the next entry may go
 * out. A shard allows few entries in flight, so one future that Ratis never completes would
 * otherwise stop every later write through this node for good.
 *
 * <p>Thread-safe; guarded by {@code this}. Futures complete outside the lock.
 */
final class WriteBatcher {
  private static final Logger LOG = LoggerFactory.getLogger(WriteBatcher.class);

  /** A command's outcome and the log index of the entry that carried it. */
  record Applied(CommandResult result, long index) {}

  private record Pending(Command command, CompletableFuture<Applied> future, long bytes) {}

  /** Proposes one entry to the shard's Raft group and completes with its result. */
  @FunctionalInterface
  interface EntrySubmitter {
    CompletableFuture<BatchResult> submit(CommandBatch entry);
  }

  private final EntrySubmitter submitter;
  private final NodeConfig.Batch limits;
  private final NodeClock clock;
  private final RequestPathObserver observer;
  private final Scheduler.DelayLine entryDeadlines;
  private final long entryDeadlineMs;
  private final int shardId;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private long queuedBytes;
  private int inFlight;

  WriteBatcher(
      int shardId,
      EntrySubmitter submitter,
      NodeConfig.Batch limits,
      NodeClock clock,
      RequestPathObserver observer,
      Scheduler scheduler,
      long entryDeadlineMs) {
    this.shardId = shardId;
    this.submitter = submitter;
    this.limits = limits;
    this.clock = clock;
    this.observer = observer;
    this.entryDeadlines = scheduler.delayLine(entryDeadlineMs);
    this.entryDeadlineMs = entryDeadlineMs;
  }

  /**
   * Queues {@code command} for the next entry, or fails it at once with a {@link
   * WriteQueueFullException} when the queue is at its bound (batch.queue-commands-max,
   * batch.queue-bytes-max): a client flooding the shard then gets pushed back, instead of every
   * other client's write waiting behind the flood and the node's memory growing with it.
   */
  CompletableFuture<Applied> submit(Command command) {
    CompletableFuture<Applied> f = new CompletableFuture<>();
    long size = command.getSerializedSize();
    synchronized (this) {
      if (queue.size() >= limits.queueCommandsMax()
          || queuedBytes + size > limits.queueBytesMax()) {
        f.completeExceptionally(
            new WriteQueueFullException(
                shardId,
                queue.size(),
                queuedBytes,
                limits.queueCommandsMax(),
                limits.queueBytesMax()));
        return f;
      }
      queue.add(new Pending(command, f, size));
      queuedBytes += size;
    }
    flush();
    return f;
  }

  private void flush() {
    while (true) {
      List<Pending> batch;
      synchronized (this) {
        if (inFlight >= limits.inFlightMax() || queue.isEmpty()) {
          return;
        }
        batch = takeBatch();
        inFlight++;
      }
      send(batch);
    }
  }

  /**
   * Takes commands in queue order up to the entry's limits. Holds the lock.
   *
   * <p>A command whose key the entry already holds stays queued, in its place, for the next entry;
   * the commands behind it still go. Why: with a few hot keys (YCSB's zipfian key choice, the
   * standard workloads') a repeat came every few commands, and stopping there cut entries short:
   * 17.9 puts per entry at 64 clients against 21.3 with uniform keys (docs/benchmarks.md, "Under
   * YCSB"). Safe: one key's commands keep their order (once a key is in the entry, every later
   * command for it waits too), and commands for different keys that are queued together are
   * concurrent, none acknowledged yet, so either order is linearizable. The look is bounded (twice
   * an entry's worth of commands), so a queue full of one key costs little under the lock.
   */
  private List<Pending> takeBatch() {
    List<Pending> batch = new ArrayList<>();
    Set<ByteBuffer> keys = new HashSet<>();
    long bytes = 0;
    int looked = 0;
    int lookMax = 2 * limits.commandsMax();
    for (Iterator<Pending> it = queue.iterator();
        it.hasNext() && batch.size() < limits.commandsMax() && looked < lookMax;
        looked++) {
      Pending next = it.next();
      Command c = next.command();
      ByteBuffer key =
          (c.hasPut() ? c.getPut().getKey() : c.getDelete().getKey()).asReadOnlyByteBuffer();
      if (keys.contains(key)) {
        continue; // held for the next entry, behind this one's command for the key
      }
      if (!batch.isEmpty() && bytes + next.bytes() > limits.bytesMax()) {
        break;
      }
      keys.add(key);
      bytes += next.bytes();
      queuedBytes -= next.bytes();
      batch.add(next);
      it.remove();
    }
    return batch;
  }

  private void send(List<Pending> batch) {
    // No time here: the leader stamps each entry as Ratis accepts it
    // (ShardStateMachine.startTransaction).
    CommandBatch.Builder entry = CommandBatch.newBuilder();
    batch.forEach(p -> entry.addCommands(p.command()));
    observer.batch(batch.size());
    CompletableFuture<BatchResult> sent;
    long proposedNanos = clock.nanoTime();
    try {
      sent = submitter.submit(entry.build());
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    // Ratis's own future is left alone (it is its retry cache's); the first of its outcome and the
    // deadline completes this one.
    CompletableFuture<BatchResult> outcome = new CompletableFuture<>();
    Scheduler.Cancellable deadline =
        entryDeadlines.add(
            () -> {
              if (outcome.completeExceptionally(
                  new TimeoutException(
                      "shard "
                          + shardId
                          + ": Raft gave no outcome for an entry of "
                          + batch.size()
                          + " commands within "
                          + entryDeadlineMs
                          + " ms; it may still commit"))) {
                LOG.warn(
                    "shard {}: no outcome for an entry of {} commands after {} ms; its commands"
                        + " fail as timed out and the next entry goes out",
                    shardId,
                    batch.size(),
                    entryDeadlineMs);
              }
            });
    sent.whenComplete(
        (result, error) -> {
          deadline.cancel();
          if (error == null) {
            outcome.complete(result);
          } else {
            outcome.completeExceptionally(error);
          }
        });
    outcome.whenComplete(
        (result, error) -> {
          observer.entryCommitted(clock.nanoTime() - proposedNanos);
          synchronized (this) {
            inFlight--;
          }
          complete(batch, result, error);
          flush();
        });
  }

  private static void complete(List<Pending> batch, BatchResult result, Throwable error) {
    if (error == null && result.getResultsCount() != batch.size()) {
      error =
          new IllegalStateException(
              "entry of "
                  + batch.size()
                  + " commands came back with "
                  + result.getResultsCount()
                  + " results");
    }
    if (error != null) {
      for (Pending p : batch) {
        p.future().completeExceptionally(error);
      }
      return;
    }
    for (int i = 0; i < batch.size(); i++) {
      batch.get(i).future().complete(new Applied(result.getResults(i), result.getIndex()));
    }
  }

  /** Fails everything still queued, e.g. on shutdown. */
  void failQueued(Throwable cause) {
    List<Pending> drained;
    synchronized (this) {
      drained = new ArrayList<>(queue);
      queue.clear();
      queuedBytes = 0;
    }
    drained.forEach(p -> p.future().completeExceptionally(cause));
  }
}

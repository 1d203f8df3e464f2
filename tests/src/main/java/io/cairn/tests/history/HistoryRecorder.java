package io.cairn.tests.history;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Records a history as a test runs. Thread-safe: any number of client threads call {@link #invoke}
 * before sending a request and exactly one of {@link #ok}, {@link #fail} or {@link #info} when they
 * know how it ended; the test calls {@link #finish} at the end.
 *
 * <p>Each process is sequential: it may have at most one operation pending. A process whose
 * operation ended INFO may go on (its client session is the same); checkers allow the INFO
 * operation to take effect at any later time.
 *
 * <p>Times come from the injected clock (System::nanoTime in a real run) and are read under the
 * recorder's lock, so recording order and time order agree.
 */
public final class HistoryRecorder {

  /** The reason given to operations still pending when the history is finished. */
  public static final String UNFINISHED = "unfinished when the history ended";

  private record Pending(long id, int process, Op op, long invokeNanos) {}

  private final LongSupplier nanoClock;

  // All fields below are guarded by "this".
  private long nextId = 1;
  private final Map<Long, Pending> pendingById = new HashMap<>();
  private final Map<Integer, Long> pendingIdByProcess = new HashMap<>();
  private final List<Operation> completed = new ArrayList<>();
  private boolean finished;

  public HistoryRecorder(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  /** A recorder on System.nanoTime. */
  public static HistoryRecorder withSystemClock() {
    return new HistoryRecorder(System::nanoTime);
  }

  /**
   * Records that {@code process} is about to send {@code op}; returns the operation id to complete.
   *
   * @throws IllegalStateException if the process already has an operation pending or the history is
   *     finished
   */
  public synchronized long invoke(int process, Op op) {
    requireOpen();
    Long busy = pendingIdByProcess.get(process);
    if (busy != null) {
      throw new IllegalStateException(
          "process "
              + process
              + " invoked "
              + op
              + " while operation "
              + busy
              + " is still pending;"
              + " a process runs one operation at a time");
    }
    long id = nextId++;
    pendingById.put(id, new Pending(id, process, op, nanoClock.getAsLong()));
    pendingIdByProcess.put(process, id);
    return id;
  }

  /** The operation applied and answered {@code result}. */
  public synchronized void ok(long id, OpResult result) {
    Pending pending = pending(id);
    if (!result.answers(pending.op().kind())) {
      throw new IllegalArgumentException(
          "operation " + id + ": " + result + " is no answer to " + pending.op());
    }
    complete(
        Operation.ok(
            id,
            pending.process(),
            pending.op(),
            pending.invokeNanos(),
            nanoClock.getAsLong(),
            result));
  }

  /** The operation was definitely not applied. */
  public synchronized void fail(long id, Failure failure) {
    Pending pending = pending(id);
    complete(
        Operation.fail(
            id,
            pending.process(),
            pending.op(),
            pending.invokeNanos(),
            nanoClock.getAsLong(),
            failure));
  }

  /** The outcome is unknown: the operation may or may not take effect. */
  public synchronized void info(long id, String reason) {
    Pending pending = pending(id);
    complete(
        Operation.info(
            id,
            pending.process(),
            pending.op(),
            pending.invokeNanos(),
            nanoClock.getAsLong(),
            reason));
  }

  /** How many operations are invoked and not yet completed. */
  public synchronized int pendingCount() {
    return pendingById.size();
  }

  /**
   * Ends the history: operations still pending become INFO ({@link #UNFINISHED}). Later calls to
   * the recorder fail.
   */
  public synchronized History finish() {
    requireOpen();
    long now = nanoClock.getAsLong();
    for (Pending pending : List.copyOf(pendingById.values())) {
      complete(
          Operation.info(
              pending.id(),
              pending.process(),
              pending.op(),
              pending.invokeNanos(),
              now,
              UNFINISHED));
    }
    finished = true;
    return new History(completed);
  }

  private Pending pending(long id) {
    requireOpen();
    Pending pending = pendingById.get(id);
    if (pending == null) {
      throw new IllegalStateException(
          "operation " + id + " is not pending (never invoked, or already completed)");
    }
    return pending;
  }

  private void complete(Operation operation) {
    pendingById.remove(operation.id());
    pendingIdByProcess.remove(operation.process());
    completed.add(operation);
  }

  private void requireOpen() {
    if (finished) {
      throw new IllegalStateException("the history is finished");
    }
  }
}

package io.cairn.tests.jepsen;

import io.cairn.tests.history.HistoryRecorder;
import io.cairn.tests.history.Op;
import io.cairn.tests.history.ReadConsistency;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * Runs the processes of a {@link WorkloadSpec} on their own threads, recording into one history,
 * until {@link #stop()}; then {@link #finalReads} reads every key once more, LINEARIZABLE, for the
 * lost-write check.
 *
 * <p>Process ids are firstProcess..{@link #lastProcessId()} (1..processes by default); callers that
 * record other operations into the same history use other ids. Each process gets its own {@link
 * OpSender} from the factory (so its own client, session and write ids); {@link #close()} closes
 * them all.
 *
 * <p>Threads: start, stop, finalReads and close are called by one controlling thread.
 */
public final class Workload implements AutoCloseable {

  private final WorkloadSpec spec;
  private final int firstProcess;
  private final HistoryRecorder recorder;
  private final IntFunction<OpSender> senders;
  private final List<OpSender> opened = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final List<ClientProcess> processes = new ArrayList<>();
  private volatile boolean stopping;

  public Workload(WorkloadSpec spec, HistoryRecorder recorder, IntFunction<OpSender> senders) {
    this(spec, 1, recorder, senders);
  }

  /**
   * A workload whose processes are numbered from {@code firstProcess}, so that several workloads
   * (say, writers and pinned readers) can record into one history.
   */
  public Workload(
      WorkloadSpec spec,
      int firstProcess,
      HistoryRecorder recorder,
      IntFunction<OpSender> senders) {
    if (firstProcess < 1) {
      throw new IllegalArgumentException("process ids start at 1, got " + firstProcess);
    }
    this.spec = spec;
    this.firstProcess = firstProcess;
    this.recorder = recorder;
    this.senders = senders;
  }

  public int lastProcessId() {
    return firstProcess + spec.processes() - 1;
  }

  /** Opens a sender per process and starts every process thread. */
  public void start() {
    if (!threads.isEmpty()) {
      throw new IllegalStateException("the workload is already started");
    }
    for (int p = firstProcess; p <= lastProcessId(); p++) {
      OpSender sender = senders.apply(p);
      opened.add(sender);
      ClientProcess process =
          new ClientProcess(
              p,
              sender,
              recorder,
              spec.keys(),
              spec.mix(),
              new Random(spec.processSeed(p)),
              spec.opDeadline(),
              spec.pauseMax(),
              () -> stopping);
      processes.add(process);
      Thread t = new Thread(process, "workload-p" + p);
      t.setDaemon(true);
      threads.add(t);
    }
    threads.forEach(Thread::start);
  }

  /**
   * Tells every process to finish its current operation and waits for them: at most one operation
   * deadline plus the backstop grace, after which a stuck thread is interrupted (its operation is
   * then INFO).
   */
  public void stop() {
    stopping = true;
    long waitMs = spec.opDeadline().plus(ClientProcess.BACKSTOP_GRACE).plusSeconds(1).toMillis();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
    for (Thread t : threads) {
      try {
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        if (t.isAlive()) {
          t.interrupt();
          t.join(5_000);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Operations completed by the workload processes so far. */
  public long operations() {
    return processes.stream().mapToLong(ClientProcess::operations).sum();
  }

  /**
   * Reads every key LINEARIZABLE as process {@code process}, retrying each key until one read is OK
   * or {@code budget} is spent; returns the keys that got no OK read.
   */
  public List<String> finalReads(OpSender sender, int process, Duration budget) {
    ClientProcess reader =
        new ClientProcess(
            process,
            sender,
            recorder,
            spec.keys(),
            spec.mix(),
            new Random(spec.processSeed(process)),
            spec.opDeadline(),
            Duration.ZERO,
            () -> true);
    long deadline = System.nanoTime() + budget.toNanos();
    List<String> unread = new ArrayList<>();
    for (String key : spec.keys()) {
      boolean read = false;
      while (!read && System.nanoTime() < deadline && !Thread.currentThread().isInterrupted()) {
        read =
            reader.runOne(Op.get(key, ReadConsistency.LINEARIZABLE)) instanceof OpOutcome.Applied;
      }
      if (!read) {
        unread.add(key);
      }
    }
    return unread;
  }

  @Override
  public void close() {
    stop();
    opened.forEach(OpSender::close);
  }
}

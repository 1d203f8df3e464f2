package io.cairn.tests.jepsen;

import io.cairn.tests.history.Failure;
import io.cairn.tests.history.HistoryRecorder;
import io.cairn.tests.history.Op;
import io.cairn.tests.history.OpResult;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * One logical client of a workload: a sequential process that picks a key and an operation from its
 * seeded random, records the invocation, sends it, waits at most its deadline and records how it
 * ended. Runs until {@code stop} says so or its thread is interrupted.
 *
 * <p>Values are {@code p<process>-<n>}, unique across the history, so a value read names the write
 * that produced it. A compare-and-set expects the version this process last saw of the key - from
 * its own reads, its own acknowledged writes (a delete leaves 0) and the current version a refused
 * compare-and-set reported - or 0 when it has seen nothing; with several processes on few keys that
 * expectation is often stale, which is the point: refusals are observations too.
 *
 * <p>Waiting: the sender's own deadline ends most operations; {@code deadline} plus a grace period
 * is the harness's backstop, after which the operation is INFO and its future cancelled. Not
 * thread-safe: one thread runs one process.
 */
public final class ClientProcess implements Runnable {

  /** How much longer than the operation deadline the harness waits before it gives up itself. */
  static final Duration BACKSTOP_GRACE = Duration.ofSeconds(2);

  /**
   * How long a process waits after an operation ended unknown. A process sending raw calls to one
   * node that is dead or cut off gets its refusals at once and would otherwise record thousands of
   * INFO operations a second, each one the checker must be able to place anywhere after its
   * invocation. A client's INFO comes after its retries under the whole deadline, so this costs the
   * routed processes nothing. No random is drawn for it: the seeded operation sequence stays.
   */
  static final Duration PAUSE_AFTER_UNKNOWN = Duration.ofMillis(100);

  private final int process;
  private final OpSender sender;
  private final HistoryRecorder recorder;
  private final List<String> keys;
  private final OpMix mix;
  private final Random random;
  private final Duration deadline;
  private final Duration pauseMax;
  private final BooleanSupplier stop;
  private final Map<String, Long> lastSeenVersion = new HashMap<>();
  private long writes;
  private long operations;

  public ClientProcess(
      int process,
      OpSender sender,
      HistoryRecorder recorder,
      List<String> keys,
      OpMix mix,
      Random random,
      Duration deadline,
      Duration pauseMax,
      BooleanSupplier stop) {
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("a workload process needs at least one key");
    }
    this.process = process;
    this.sender = sender;
    this.recorder = recorder;
    this.keys = List.copyOf(keys);
    this.mix = mix;
    this.random = random;
    this.deadline = deadline;
    this.pauseMax = pauseMax;
    this.stop = stop;
  }

  @Override
  public void run() {
    while (!stop.getAsBoolean() && !Thread.currentThread().isInterrupted()) {
      String key = keys.get(random.nextInt(keys.size()));
      Op op =
          mix.choose(
              random,
              key,
              "p" + process + "-" + (writes + 1),
              lastSeenVersion.getOrDefault(key, 0L));
      if (op.kind().isPut()) {
        writes++;
      }
      if (runOne(op) instanceof OpOutcome.Unknown) {
        LockSupport.parkNanos(PAUSE_AFTER_UNKNOWN.toNanos());
      }
      pause();
    }
  }

  /** Sends one operation, records its outcome and learns from it; returns the outcome. */
  public OpOutcome runOne(Op op) {
    long id = recorder.invoke(process, op);
    OpOutcome outcome = await(sender, op, deadline.plus(BACKSTOP_GRACE));
    outcome.recordTo(recorder, id);
    operations++;
    learn(op, outcome);
    return outcome;
  }

  /** How many operations this process has completed. */
  public long operations() {
    return operations;
  }

  /**
   * Sends {@code op} and waits for its outcome, at most {@code waitLimit}; then it is INFO and its
   * future is cancelled. An interrupt ends the wait as INFO and keeps the interrupt flag.
   */
  static OpOutcome await(OpSender sender, Op op, Duration waitLimit) {
    CompletableFuture<OpResult> future;
    try {
      future = sender.send(op);
    } catch (RuntimeException e) {
      return OutcomeMapping.of(e);
    }
    long waitMs = waitLimit.toMillis();
    try {
      return new OpOutcome.Applied(future.get(waitMs, TimeUnit.MILLISECONDS));
    } catch (ExecutionException e) {
      return OutcomeMapping.of(e.getCause());
    } catch (TimeoutException e) {
      future.cancel(true);
      return new OpOutcome.Unknown("no answer within " + waitMs + " ms (harness backstop)");
    } catch (CancellationException e) {
      return new OpOutcome.Unknown("cancelled");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      future.cancel(true);
      return new OpOutcome.Unknown("interrupted while waiting (the run is ending)");
    }
  }

  private void learn(Op op, OpOutcome outcome) {
    if (outcome instanceof OpOutcome.Applied applied) {
      OpResult result = applied.result();
      if (result instanceof OpResult.PutResult put) {
        lastSeenVersion.put(op.key(), put.version());
      } else if (result instanceof OpResult.DeleteResult) {
        lastSeenVersion.put(op.key(), 0L);
      } else if (result instanceof OpResult.GetResult get) {
        lastSeenVersion.put(op.key(), get.found() ? get.version() : 0L);
      }
    } else if (outcome instanceof OpOutcome.NotApplied notApplied
        && notApplied.failure() instanceof Failure.VersionMismatch mismatch) {
      lastSeenVersion.put(op.key(), mismatch.currentVersion());
    }
  }

  /** Paces the process so a 2-core machine keeps up with nodes, clients and the nemesis at once. */
  private void pause() {
    if (pauseMax.isZero()) {
      return;
    }
    LockSupport.parkNanos(1 + (long) (random.nextDouble() * pauseMax.toNanos()));
  }
}

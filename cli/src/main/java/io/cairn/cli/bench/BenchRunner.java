package io.cairn.cli.bench;

import io.cairn.client.CairnException;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Runs a {@link BenchPlan}: optionally preloads every key, then drives {@code clients} closed-loop
 * workers, each issuing its next request when the previous one answered, until the warm-up and the
 * measured duration have passed on {@code nanoTime}. Workers are asynchronous (no thread each): a
 * completion issues the next request. An operation is recorded (latency into an HdrHistogram, or
 * its error kind) when it started inside the measured window.
 *
 * <p>{@code windowStarted} runs once, when the first request of the measured window is issued, so
 * that a caller outside the process (scripts/bench.sh) can count the servers' CPU over the window
 * alone while the load generator's JVM stays warm from its own warm-up.
 */
public final class BenchRunner {
  private final BenchPlan plan;
  private final KvOps ops;
  private final LongSupplier nanoTime;
  private final Runnable windowStarted;
  private final AtomicBoolean windowOpen = new AtomicBoolean();

  public BenchRunner(BenchPlan plan, KvOps ops, LongSupplier nanoTime) {
    this(plan, ops, nanoTime, () -> {});
  }

  public BenchRunner(BenchPlan plan, KvOps ops, LongSupplier nanoTime, Runnable windowStarted) {
    this.plan = plan;
    this.ops = ops;
    this.nanoTime = nanoTime;
    this.windowStarted = windowStarted;
  }

  public BenchReport run() throws InterruptedException {
    BenchReport.Preload preload = plan.preload() ? preload() : null;
    long start = nanoTime.getAsLong();
    long measureFrom = start + secondsToNanos(plan.warmupS());
    long measureUntil = measureFrom + secondsToNanos(plan.durationS());
    Recording rec = new Recording();
    SplittableRandom root = new SplittableRandom(plan.seed());
    CompletableFuture<?>[] workers = new CompletableFuture<?>[plan.clients()];
    for (int w = 0; w < workers.length; w++) {
      workers[w] = drive(new MeasuredWorker(w, root.split(), measureFrom, measureUntil, rec));
    }
    await(CompletableFuture.allOf(workers));
    return new BenchReport(
        plan,
        rec.reads.sum(),
        rec.writes.sum(),
        rec.errorCounts(),
        plan.durationS(),
        rec.latencyMicros,
        preload);
  }

  private BenchReport.Preload preload() throws InterruptedException {
    long start = nanoTime.getAsLong();
    AtomicInteger next = new AtomicInteger();
    LongAdder errors = new LongAdder();
    SplittableRandom root = new SplittableRandom(plan.seed() ^ 0x5DEECE66DL);
    CompletableFuture<?>[] loaders =
        new CompletableFuture<?>[Math.min(plan.clients(), plan.keys())];
    for (int w = 0; w < loaders.length; w++) {
      int worker = w;
      Values values = new Values(root.split(), plan.valueBytes());
      loaders[w] =
          drive(
              new Loop() {
                @Override
                public CompletableFuture<?> issue() {
                  int i = next.getAndIncrement();
                  return i >= plan.keys() ? null : ops.put(worker, plan.key(i), values.next());
                }

                @Override
                public void completed(Throwable error) {
                  if (error != null) {
                    errors.increment();
                  }
                }
              });
    }
    await(CompletableFuture.allOf(loaders));
    double seconds = (nanoTime.getAsLong() - start) / 1e9;
    return new BenchReport.Preload(plan.keys(), errors.sum(), seconds);
  }

  /** One closed-loop worker: {@code issue()} starts its next request, or returns null when done. */
  private interface Loop {
    CompletableFuture<?> issue();

    void completed(Throwable error);
  }

  /** Runs {@code loop} to its end; the future completes when the worker stops. */
  private static CompletableFuture<Void> drive(Loop loop) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    step(loop, done);
    return done;
  }

  private static void step(Loop loop, CompletableFuture<Void> done) {
    try {
      while (true) {
        CompletableFuture<?> f;
        try {
          f = loop.issue();
        } catch (CairnException | IllegalArgumentException e) {
          f = CompletableFuture.failedFuture(e);
        }
        if (f == null) {
          done.complete(null);
          return;
        }
        if (!f.isDone()) {
          // Continue from the completion; answers that are already there loop here instead, so a
          // fast (or synchronous) answer never deepens the stack.
          f.whenComplete(
              (r, e) -> {
                loop.completed(e);
                step(loop, done);
              });
          return;
        }
        loop.completed(failureOf(f));
      }
    } catch (RuntimeException | Error e) {
      done.completeExceptionally(e);
    }
  }

  private static Throwable failureOf(CompletableFuture<?> done) {
    try {
      done.join();
      return null;
    } catch (CompletionException | CancellationException e) {
      return e.getCause() != null ? e.getCause() : e;
    }
  }

  private final class MeasuredWorker implements Loop {
    private final int worker;
    private final SplittableRandom random;
    private final Values values;
    private final long measureFrom;
    private final long measureUntil;
    private final Recording rec;
    private final double readRatio = plan.effectiveReadRatio();
    // One request is outstanding at a time, so these describe it.
    private long startNanos;
    private boolean read;

    MeasuredWorker(
        int worker, SplittableRandom random, long measureFrom, long measureUntil, Recording rec) {
      this.worker = worker;
      this.random = random;
      this.values = new Values(random.split(), plan.valueBytes());
      this.measureFrom = measureFrom;
      this.measureUntil = measureUntil;
      this.rec = rec;
    }

    @Override
    public CompletableFuture<?> issue() {
      startNanos = nanoTime.getAsLong();
      if (startNanos >= measureUntil) {
        return null;
      }
      if (startNanos >= measureFrom && !windowOpen.get() && windowOpen.compareAndSet(false, true)) {
        windowStarted.run();
      }
      byte[] key = plan.key(random.nextInt(plan.keys()));
      read = readRatio > 0 && random.nextDouble() < readRatio;
      return read
          ? ops.get(worker, key, plan.consistency().proto())
          : ops.put(worker, key, values.next());
    }

    @Override
    public void completed(Throwable error) {
      long end = nanoTime.getAsLong();
      if (startNanos < measureFrom || startNanos >= measureUntil) {
        return; // warm-up
      }
      if (error != null) {
        rec.errors.computeIfAbsent(kindOf(error), k -> new LongAdder()).increment();
        return;
      }
      rec.latencyMicros.recordValue(Math.max(0, TimeUnit.NANOSECONDS.toMicros(end - startNanos)));
      (read ? rec.reads : rec.writes).increment();
    }
  }

  /** Shared by all workers; every field is safe for concurrent updates. */
  private static final class Recording {
    final Histogram latencyMicros = new ConcurrentHistogram(3);
    final LongAdder reads = new LongAdder();
    final LongAdder writes = new LongAdder();
    final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

    Map<String, Long> errorCounts() {
      Map<String, Long> counts = new HashMap<>();
      errors.forEach((k, v) -> counts.put(k, v.sum()));
      return counts;
    }
  }

  /** Values of the configured size; a few leading bytes change per call, so writes differ. */
  private static final class Values {
    private static final byte[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".getBytes();
    private final SplittableRandom random;
    private final byte[] template;

    Values(SplittableRandom random, int size) {
      this.random = random;
      this.template = new byte[size];
      for (int i = 0; i < size; i++) {
        template[i] = ALPHABET[random.nextInt(ALPHABET.length)];
      }
    }

    byte[] next() {
      byte[] v = template.clone();
      for (int i = 0; i < Math.min(8, v.length); i++) {
        v[i] = ALPHABET[random.nextInt(ALPHABET.length)];
      }
      return v;
    }
  }

  static String kindOf(Throwable error) {
    return error instanceof CairnException ce ? ce.code().name() : error.getClass().getSimpleName();
  }

  private static long secondsToNanos(double seconds) {
    return (long) (seconds * 1e9);
  }

  private static void await(CompletableFuture<?> all) throws InterruptedException {
    try {
      all.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("a benchmark worker failed: " + e.getCause(), e.getCause());
    }
  }
}

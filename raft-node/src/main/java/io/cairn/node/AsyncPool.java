package io.cairn.node;

import java.util.concurrent.ForkJoinPool;

/**
 * Gives the JVM's common ForkJoinPool enough parallelism for Ratis before anything touches it.
 *
 * <p>Why: {@code CompletableFuture.*Async} without an executor runs on the common pool, but only if
 * that pool's parallelism is at least 2; otherwise it starts <em>a new thread per task</em>. The
 * parallelism defaults to the core count minus one, so on a 2-core machine it is 1, and Ratis's
 * follower append path ({@code thenComposeAsync} for every appendEntries) created and destroyed a
 * thread per append. Measured on the 2-core development VM (docs/benchmarks.md): about 90 thread
 * starts per second per follower at 30 writes/s, and every Raft hop took ~10 ms.
 *
 * <p>The property only works if it is set before the pool class initialises, hence a call at the
 * very top of {@link Main#main}; an operator's own {@code -D} setting is left alone.
 */
final class AsyncPool {
  static final String PARALLELISM_PROPERTY = "java.util.concurrent.ForkJoinPool.common.parallelism";

  /** Enough for Ratis's short async steps even if a few of them block briefly. */
  static final int PARALLELISM_MIN = 4;

  private AsyncPool() {}

  /**
   * Sets the common pool's parallelism to at least {@link #PARALLELISM_MIN} (or the core count, if
   * larger) unless the operator chose a value; returns the parallelism the pool ended up with.
   */
  static int configure() {
    if (System.getProperty(PARALLELISM_PROPERTY) == null) {
      int wanted = Math.max(PARALLELISM_MIN, Runtime.getRuntime().availableProcessors());
      System.setProperty(PARALLELISM_PROPERTY, Integer.toString(wanted));
    }
    return ForkJoinPool.getCommonPoolParallelism();
  }
}

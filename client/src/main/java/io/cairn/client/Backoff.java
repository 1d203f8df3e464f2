package io.cairn.client;

import java.util.Random;

/**
 * Exponential backoff with full jitter: after the n-th failed attempt the delay is drawn uniformly
 * from [min, min(max, min * 2^(n-1))], so clients that failed together spread out instead of
 * retrying in lock step. Thread-safe as long as the {@link Random} is (java.util.Random is).
 */
final class Backoff {
  private final long minMs;
  private final long maxMs;
  private final Random random;

  Backoff(long minMs, long maxMs, Random random) {
    if (minMs < 1 || maxMs < minMs) {
      throw new IllegalArgumentException(
          "backoff needs 1 <= min <= max, got " + minMs + ".." + maxMs);
    }
    this.minMs = minMs;
    this.maxMs = maxMs;
    this.random = random;
  }

  /** The largest delay after {@code failedAttempts} failures (at least 1). */
  long ceilingMs(int failedAttempts) {
    int doublings = Math.max(0, Math.min(failedAttempts - 1, 62));
    // min * 2^doublings, saturating at max without overflowing.
    return minMs > (maxMs >> doublings) ? maxMs : minMs << doublings;
  }

  /** The delay before the next attempt after {@code failedAttempts} failures (at least 1). */
  long delayMs(int failedAttempts) {
    long ceiling = ceilingMs(failedAttempts);
    long span = ceiling - minMs + 1;
    return Math.min(ceiling, minMs + (long) (random.nextDouble() * span));
  }
}

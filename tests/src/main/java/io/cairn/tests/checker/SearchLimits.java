package io.cairn.tests.checker;

import java.time.Duration;

/**
 * Bounds on the linearizability search of one key. When either is reached the key's verdict is
 * UNKNOWN, never VALID.
 *
 * @param maxStatesPerKey distinct (linearized set, register state) configurations to remember; each
 *     costs on the order of a hundred bytes
 * @param maxTimePerKey wall time for one key's search
 */
public record SearchLimits(long maxStatesPerKey, Duration maxTimePerKey) {

  /** Enough for thousands of operations per key with modest concurrency, within ~200 MB. */
  public static final SearchLimits DEFAULT = new SearchLimits(1_000_000, Duration.ofSeconds(30));

  public SearchLimits {
    if (maxStatesPerKey <= 0) {
      throw new IllegalArgumentException("maxStatesPerKey must be > 0, got " + maxStatesPerKey);
    }
    if (maxTimePerKey.isNegative() || maxTimePerKey.isZero()) {
      throw new IllegalArgumentException("maxTimePerKey must be > 0, got " + maxTimePerKey);
    }
  }
}

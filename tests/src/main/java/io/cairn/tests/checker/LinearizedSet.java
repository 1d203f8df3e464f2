package io.cairn.tests.checker;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The set of operations linearized so far on a search path: a bitset with an incrementally kept
 * Zobrist hash, and compact immutable snapshots to memoize visited configurations.
 *
 * <p>The search numbers required operations first in invocation order, so on any path the low bits
 * fill up into whole words of ones; a snapshot stores those as a count and keeps only the words
 * after them, which keeps the memo small on long histories.
 */
final class LinearizedSet {

  private final long[] words;
  private final long[] codes;
  private long hash;

  LinearizedSet(int size) {
    words = new long[(size + 63) >>> 6];
    codes = new long[size];
    // Fixed seed: the search is deterministic run to run.
    SplittableRandom random = new SplittableRandom(0x5EEDCA1AL);
    for (int i = 0; i < size; i++) {
      codes[i] = random.nextLong();
    }
  }

  void add(int op) {
    words[op >>> 6] |= 1L << op;
    hash ^= codes[op];
  }

  void remove(int op) {
    words[op >>> 6] &= ~(1L << op);
    hash ^= codes[op];
  }

  boolean contains(int op) {
    return (words[op >>> 6] & (1L << op)) != 0;
  }

  Snapshot snapshot() {
    int full = 0;
    while (full < words.length && words[full] == -1L) {
      full++;
    }
    int end = words.length;
    while (end > full && words[end - 1] == 0) {
      end--;
    }
    return new Snapshot(full, Arrays.copyOfRange(words, full, end), hash);
  }

  /** An immutable, canonical copy of a set: equal sets give equal snapshots. */
  static final class Snapshot {
    private final int fullWords;
    private final long[] rest;
    private final long hash;

    private Snapshot(int fullWords, long[] rest, long hash) {
      this.fullWords = fullWords;
      this.rest = rest;
      this.hash = hash;
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Snapshot that
          && hash == that.hash
          && fullWords == that.fullWords
          && Arrays.equals(rest, that.rest);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(hash);
    }
  }
}

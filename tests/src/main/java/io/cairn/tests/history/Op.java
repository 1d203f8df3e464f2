package io.cairn.tests.history;

import java.util.Objects;

/**
 * One invocation: the kind and arguments of a request, before anything is known of its outcome.
 *
 * <p>Keys and values are strings; a harness that works with bytes encodes them (any injective
 * encoding will do). Checkers rely on the harness writing a value unique per write, so that a value
 * read identifies the write that produced it.
 *
 * @param kind what was asked
 * @param key the key
 * @param value the value to put; null unless {@code kind.isPut()}
 * @param expectedVersion the compare-and-set version (0 = must not exist); {@link #NO_EXPECTATION}
 *     unless {@code kind.isCompareAndSet()}
 * @param consistency the read consistency; null unless {@code kind == GET}
 */
public record Op(
    OpKind kind, String key, String value, long expectedVersion, ReadConsistency consistency) {

  /** The expectedVersion of operations that are not compare-and-set. */
  public static final long NO_EXPECTATION = -1;

  public Op {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(key, "key");
    if (kind.isPut() != (value != null)) {
      throw new IllegalArgumentException(
          kind + ": a value is required exactly for puts, got " + value);
    }
    if (kind.isCompareAndSet() ? expectedVersion < 0 : expectedVersion != NO_EXPECTATION) {
      throw new IllegalArgumentException(
          kind
              + ": expectedVersion "
              + expectedVersion
              + " is not allowed; compare-and-set needs >= 0, others "
              + NO_EXPECTATION);
    }
    if ((kind == OpKind.GET) != (consistency != null)) {
      throw new IllegalArgumentException(
          kind + ": a consistency is required exactly for gets, got " + consistency);
    }
  }

  public static Op put(String key, String value) {
    return new Op(OpKind.PUT, key, value, NO_EXPECTATION, null);
  }

  public static Op putCas(String key, String value, long expectedVersion) {
    return new Op(OpKind.PUT_CAS, key, value, expectedVersion, null);
  }

  public static Op get(String key, ReadConsistency consistency) {
    return new Op(OpKind.GET, key, null, NO_EXPECTATION, consistency);
  }

  public static Op delete(String key) {
    return new Op(OpKind.DELETE, key, null, NO_EXPECTATION, null);
  }

  public static Op deleteCas(String key, long expectedVersion) {
    return new Op(OpKind.DELETE_CAS, key, null, expectedVersion, null);
  }

  @Override
  public String toString() {
    return switch (kind) {
      case PUT -> "PUT(" + key + ", " + value + ")";
      case PUT_CAS -> "PUT_CAS(" + key + ", " + value + ", expect=" + expectedVersion + ")";
      case GET -> "GET(" + key + ", " + consistency + ")";
      case DELETE -> "DELETE(" + key + ")";
      case DELETE_CAS -> "DELETE_CAS(" + key + ", expect=" + expectedVersion + ")";
    };
  }
}

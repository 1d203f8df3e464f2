package io.cairn.tests.checker;

import io.cairn.tests.history.Op;
import java.util.Objects;

/**
 * The state of one key in a linearization: absent, or the value of the write that produced it and
 * that write's version (possibly not yet known).
 *
 * <p>Versions come from the cluster, not the model: an OK put reports its version, an INFO put's
 * version is unknown until a read or a compare-and-set on this search path binds it. Versions are
 * Raft log indexes, so along a linearization every write's version (and every delete's index) is
 * larger than all before it; {@code floor} is the largest such version known on this path, the
 * bound the next write's version must exceed.
 *
 * <p>INFO puts whose value no linearizable read returned are interchangeable for the search: their
 * states all carry the {@link #UNREAD} marker instead of their value, so that equal situations are
 * memoized once (see {@link LinearizationSearch}).
 *
 * @param value the current value, null when absent, {@link #UNREAD} (by identity) for a value that
 *     no read returned
 * @param version the current version: 0 when absent, {@link KeyObligation#UNKNOWN} when the write
 *     that produced the value has not reported or been bound to one
 * @param floor the largest version or delete index linearized so far that is known
 */
record RegisterState(String value, long version, long floor) {

  static final RegisterState INITIAL = new RegisterState(null, 0, 0);

  /** Marks a value no read returns; compared by identity, so no real value can equal it. */
  @SuppressWarnings("StringOperationCanBeSimplified")
  static final String UNREAD = new String("(a value no read returned)");

  /** Whether a read of {@code observed} matches this state's value. */
  boolean holds(String observed) {
    return value != null && value != UNREAD && value.equals(observed);
  }

  boolean present() {
    return value != null;
  }

  static RegisterState absent(long floor) {
    return new RegisterState(null, 0, floor);
  }

  /**
   * This state if its version is {@code observed}, binding an unknown version; null if it cannot
   * be. Only for present states.
   */
  RegisterState withVersion(long observed) {
    if (version != KeyObligation.UNKNOWN) {
      return version == observed ? this : null;
    }
    return observed > floor ? new RegisterState(value, observed, observed) : null;
  }

  /**
   * This state (with its version bound if needed) if a compare-and-set expecting {@code expected}
   * applies to it; null if it does not. Absent counts as version 0.
   */
  RegisterState satisfying(long expected) {
    if (expected == Op.NO_EXPECTATION) {
      return this;
    }
    if (expected == 0) {
      return present() ? null : this;
    }
    return present() ? withVersion(expected) : null;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof RegisterState that
        && version == that.version
        && floor == that.floor
        && (value == UNREAD) == (that.value == UNREAD)
        && Objects.equals(value, that.value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(value, version, floor);
  }

  @Override
  public String toString() {
    if (!present()) {
      return "absent";
    }
    return value + "@" + (version == KeyObligation.UNKNOWN ? "?" : Long.toString(version));
  }
}

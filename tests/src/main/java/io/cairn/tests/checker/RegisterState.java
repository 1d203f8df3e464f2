package io.cairn.tests.checker;

import io.cairn.tests.history.Op;

/**
 * The state of one key in a linearization: absent, or the value of the write that produced it and
 * that write's version (possibly not yet known).
 *
 * <p>Versions come from the cluster, not the model: an OK put reports its version, an INFO put's
 * version is unknown until a read or a compare-and-set on this search path binds it. Versions are
 * Raft log indexes, so along a linearization every write's version (and every delete's index)
 * is larger than all before it; {@code floor} is the largest such version known on this path, the
 * bound the next write's version must exceed.
 *
 * @param value the current value, null when absent
 * @param version the current version: 0 when absent, {@link KeyObligation#UNKNOWN} when the write
 *     that produced the value has not reported or been bound to one
 * @param floor the largest version or delete index linearized so far that is known
 */
record RegisterState(String value, long version, long floor) {

  static final RegisterState INITIAL = new RegisterState(null, 0, 0);

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
  public String toString() {
    if (!present()) {
      return "absent";
    }
    return value + "@" + (version == KeyObligation.UNKNOWN ? "?" : Long.toString(version));
  }
}

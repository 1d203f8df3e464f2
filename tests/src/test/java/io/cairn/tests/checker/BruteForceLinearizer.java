package io.cairn.tests.checker;

import io.cairn.tests.history.Op;
import java.util.List;

/**
 * The test oracle for {@link LinearizationSearch}: tries every order of every subset of the INFO
 * operations together with all required ones, with no memo and no reductions, and applies the
 * register semantics written out again in the plainest form. Only for a handful of operations.
 */
final class BruteForceLinearizer {

  private static final long UNKNOWN = -1;

  private final List<KeyObligation> ops;
  private final boolean[] placed;

  private BruteForceLinearizer(List<KeyObligation> ops) {
    this.ops = ops;
    this.placed = new boolean[ops.size()];
  }

  static boolean isLinearizable(List<KeyObligation> ops) {
    return new BruteForceLinearizer(ops).extend(null, 0, 0);
  }

  /**
   * @param value current value (null = absent); version current version or UNKNOWN; floor max
   *     version so far
   */
  private boolean extend(String value, long version, long floor) {
    boolean allRequiredPlaced = true;
    for (int i = 0; i < ops.size(); i++) {
      if (!placed[i] && ops.get(i).required()) {
        allRequiredPlaced = false;
      }
    }
    if (allRequiredPlaced) {
      return true;
    }
    for (int i = 0; i < ops.size(); i++) {
      if (placed[i] || !realTimeAllows(i)) {
        continue;
      }
      long[] next = apply(ops.get(i), value, version, floor);
      if (next == null) {
        continue;
      }
      placed[i] = true;
      String nextValue = next[0] == 1 ? valueAfter(ops.get(i), value) : null;
      boolean found = extend(nextValue, next[1], next[2]);
      placed[i] = false;
      if (found) {
        return true;
      }
    }
    return false;
  }

  /** No unplaced required operation completed before operation i was invoked. */
  private boolean realTimeAllows(int i) {
    for (int j = 0; j < ops.size(); j++) {
      if (j != i
          && !placed[j]
          && ops.get(j).required()
          && ops.get(j).source().precedes(ops.get(i).source())) {
        return false;
      }
    }
    return true;
  }

  private static String valueAfter(KeyObligation op, String value) {
    return op.step() == KeyObligation.Step.PUT ? op.value() : value;
  }

  /** {present?1:0, version, floor} after op, or null if op cannot happen in this state. */
  private static long[] apply(KeyObligation op, String value, long version, long floor) {
    boolean present = value != null;
    long expected = op.expectedVersion();
    // Compare-and-set condition, binding an unknown current version if needed.
    if (op.step() == KeyObligation.Step.PUT || op.step() == KeyObligation.Step.DELETE) {
      if (expected == 0 && present || expected > 0 && !present) {
        return null;
      }
      if (expected > 0) {
        if (version == UNKNOWN) {
          if (expected <= floor) {
            return null;
          }
          floor = expected;
        } else if (version != expected) {
          return null;
        }
      }
    }
    switch (op.step()) {
      case PUT -> {
        if (op.version() == UNKNOWN) {
          return new long[] {1, UNKNOWN, floor};
        }
        return op.version() > floor ? new long[] {1, op.version(), op.version()} : null;
      }
      case DELETE -> {
        if (op.existed() != null && op.existed() != present) {
          return null;
        }
        if (op.version() == UNKNOWN) {
          return new long[] {0, 0, floor};
        }
        return op.version() > floor ? new long[] {0, 0, op.version()} : null;
      }
      case READ -> {
        if (!op.existed()) {
          return present ? null : new long[] {0, 0, floor};
        }
        if (!op.value().equals(value)) {
          return null;
        }
        return observeVersion(op.version(), version, floor);
      }
      case MISMATCH -> {
        if (op.existed() != present) {
          return null;
        }
        if (!present) {
          return expected != 0 ? new long[] {0, 0, floor} : null;
        }
        if (expected == op.version() && expected != Op.NO_EXPECTATION) {
          return null;
        }
        return observeVersion(op.version(), version, floor);
      }
    }
    throw new AssertionError(op.step());
  }

  private static long[] observeVersion(long observed, long version, long floor) {
    if (version == UNKNOWN) {
      return observed > floor ? new long[] {1, observed, observed} : null;
    }
    return version == observed ? new long[] {1, version, floor} : null;
  }
}

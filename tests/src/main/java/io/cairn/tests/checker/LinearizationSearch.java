package io.cairn.tests.checker;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Decides whether the operations on one key are linearizable: Wing and Gong's search with Lowe's
 * improvements, as in Knossos and Porcupine.
 *
 * <p>Every operation contributes a call entry (at its invocation) and a return entry (at its
 * completion; +infinity for INFO) to one time-ordered, doubly linked list. The search walks the
 * list: a call entry is a candidate to linearize next; linearizing it applies the model and
 * "lifts" both its entries out of the list (dancing links), and the walk restarts at the head. A
 * return entry means the operation it belongs to should already have been linearized, so the
 * search backtracks: it pops the last choice, puts its entries back and tries the next candidate.
 * This is just-in-time linearization: only operations whose call precedes the first pending
 * return are ever candidates. Configurations (set of linearized operations, register state)
 * already explored are remembered and never explored again (Lowe's memoization), which is what
 * makes histories of thousands of operations tractable.
 *
 * <p>INFO operations need not be linearized at all: the search succeeds as soon as every OK and
 * FAIL-with-observation operation is linearized, and INFO return entries sit at +infinity so they
 * never force a backtrack.
 *
 * <p>Not thread-safe; one instance per key search.
 */
final class LinearizationSearch {

  /** One linearized operation and the state right after it. */
  record Step(KeyObligation op, RegisterState after) {}

  /**
   * @param longestPrefix the deepest partial linearization reached (empty when VALID)
   * @param blocking the first pending operation that could not be placed after that prefix (null
   *     when VALID or UNKNOWN)
   * @param limitHit which limit stopped the search when UNKNOWN, else null
   */
  record Result(Verdict verdict, long statesExplored, List<Step> longestPrefix, KeyObligation blocking, String limitHit) {}

  private record Configuration(LinearizedSet.Snapshot linearized, RegisterState state) {}

  private static final int NO_ENTRY = -1;
  private static final int CLOCK_CHECK_INTERVAL = 1024;

  private final KeyObligation[] ops;
  private final int requiredCount;
  private final SearchLimits limits;
  private final LongSupplier nanoClock;

  // Entries: call of op i is 2i, return of op i is 2i+1, the list head is 2n.
  private final int head;
  private final int[] next;
  private final int[] prev;

  private LinearizationSearch(List<KeyObligation> obligations, SearchLimits limits, LongSupplier nanoClock) {
    // Required operations first, each group by invocation: keeps the linearized bitset dense (see LinearizedSet).
    List<KeyObligation> sorted = new ArrayList<>(obligations);
    sorted.sort(
        Comparator.comparing((KeyObligation op) -> !op.required())
            .thenComparingLong(op -> op.source().invokeNanos())
            .thenComparingLong(op -> op.source().id()));
    this.ops = sorted.toArray(new KeyObligation[0]);
    this.requiredCount = (int) sorted.stream().filter(KeyObligation::required).count();
    this.limits = limits;
    this.nanoClock = nanoClock;
    int n = ops.length;
    this.head = 2 * n;
    this.next = new int[2 * n + 1];
    this.prev = new int[2 * n + 1];
    linkInTimeOrder();
  }

  static Result run(List<KeyObligation> obligations, SearchLimits limits, LongSupplier nanoClock) {
    return new LinearizationSearch(obligations, limits, nanoClock).search();
  }

  private void linkInTimeOrder() {
    List<Integer> entries = new ArrayList<>(2 * ops.length);
    for (int e = 0; e < 2 * ops.length; e++) {
      entries.add(e);
    }
    // At equal times calls go before returns: operations that touch in time count as concurrent,
    // the lenient reading of a clock with finite resolution.
    entries.sort(
        Comparator.comparingLong(this::entryTime)
            .thenComparingInt(e -> e & 1)
            .thenComparingInt(e -> e));
    int last = head;
    for (int e : entries) {
      next[last] = e;
      prev[e] = last;
      last = e;
    }
    next[last] = NO_ENTRY;
  }

  private long entryTime(int entry) {
    KeyObligation op = ops[entry >>> 1];
    return isCall(entry) ? op.source().invokeNanos() : op.source().effectDeadlineNanos();
  }

  private static boolean isCall(int entry) {
    return (entry & 1) == 0;
  }

  private Result search() {
    long startNanos = nanoClock.getAsLong();
    long deadlineBudget = limits.maxTimePerKey().toNanos();
    Set<Configuration> explored = new HashSet<>();
    LinearizedSet linearized = new LinearizedSet(ops.length);
    int[] stackOps = new int[ops.length];
    RegisterState[] stackStates = new RegisterState[ops.length];
    int depth = 0;
    int remaining = requiredCount;
    RegisterState state = RegisterState.INITIAL;

    int bestDepth = -1;
    List<Step> longest = List.of();
    KeyObligation blocking = null;

    int entry = next[head];
    long iterations = 0;
    while (remaining > 0) {
      if (++iterations % CLOCK_CHECK_INTERVAL == 0 && nanoClock.getAsLong() - startNanos > deadlineBudget) {
        return new Result(Verdict.UNKNOWN, explored.size(), longest, null,
            "time limit of " + limits.maxTimePerKey() + " per key");
      }
      if (entry != NO_ENTRY && isCall(entry)) {
        int op = entry >>> 1;
        RegisterState after = RegisterModel.step(state, ops[op]);
        if (after != null) {
          linearized.add(op);
          if (explored.add(new Configuration(linearized.snapshot(), after))) {
            if (explored.size() > limits.maxStatesPerKey()) {
              return new Result(Verdict.UNKNOWN, explored.size(), longest, null,
                  "state limit of " + limits.maxStatesPerKey() + " per key");
            }
            stackOps[depth] = op;
            stackStates[depth] = state;
            depth++;
            state = after;
            lift(op);
            if (ops[op].required()) {
              remaining--;
            }
            entry = next[head];
            continue;
          }
          linearized.remove(op);
        }
        entry = next[entry];
        continue;
      }
      // A return entry (or, defensively, the end of the list): nothing more can go here.
      if (depth > bestDepth) {
        bestDepth = depth;
        longest = prefix(stackOps, stackStates, depth, state);
        blocking = entry == NO_ENTRY ? null : ops[entry >>> 1];
      }
      if (depth == 0) {
        return new Result(Verdict.INVALID, explored.size(), longest, blocking, null);
      }
      depth--;
      int op = stackOps[depth];
      state = stackStates[depth];
      linearized.remove(op);
      unlift(op);
      if (ops[op].required()) {
        remaining++;
      }
      entry = next[2 * op];
    }
    return new Result(Verdict.VALID, explored.size(), List.of(), null, null);
  }

  private List<Step> prefix(int[] stackOps, RegisterState[] stackStates, int depth, RegisterState current) {
    List<Step> steps = new ArrayList<>(depth);
    for (int i = 0; i < depth; i++) {
      RegisterState after = i + 1 < depth ? stackStates[i + 1] : current;
      steps.add(new Step(ops[stackOps[i]], after));
    }
    return steps;
  }

  private void lift(int op) {
    unlink(2 * op);
    unlink(2 * op + 1);
  }

  /** Undoes {@link #lift}; entries go back in reverse order of removal, as dancing links need. */
  private void unlift(int op) {
    relink(2 * op + 1);
    relink(2 * op);
  }

  private void unlink(int entry) {
    next[prev[entry]] = next[entry];
    if (next[entry] != NO_ENTRY) {
      prev[next[entry]] = prev[entry];
    }
  }

  private void relink(int entry) {
    next[prev[entry]] = entry;
    if (next[entry] != NO_ENTRY) {
      prev[next[entry]] = entry;
    }
  }
}

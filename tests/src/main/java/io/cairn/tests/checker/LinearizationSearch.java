package io.cairn.tests.checker;

import io.cairn.tests.history.Op;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Decides whether the operations on one key are linearizable: Wing and Gong's search with Lowe's
 * improvements, as in Knossos and Porcupine, plus reductions that rest on what versions and INFO
 * operations mean.
 *
 * <h2>The search</h2>
 *
 * Every operation contributes a call entry (at its invocation) and a return entry (at its
 * completion; +infinity for INFO) to one time-ordered, doubly linked list. The search walks the
 * list: a call entry is a candidate to linearize next; linearizing it applies the model and "lifts"
 * both its entries out of the list (dancing links), and the walk restarts at the head. A return
 * entry means the operation it belongs to should already have been linearized, so the search
 * backtracks: it pops the last choice, puts its entries back and tries the next candidate. This is
 * just-in-time linearization: only operations whose call precedes the first pending return are ever
 * candidates. Configurations (set of linearized operations, register state) already explored are
 * remembered and never explored again (Lowe's memoization). INFO operations need not be linearized
 * at all: the search succeeds once every OK operation and observing FAIL is linearized, and INFO
 * return entries sit at +infinity so they never force a backtrack.
 *
 * <h2>Reductions</h2>
 *
 * Each prunes only configurations that cannot lead to a linearization, or that another explored
 * configuration covers; a failing search must exhaust the rest, so these are what make violations
 * in long histories decidable.
 *
 * <ol>
 *   <li><b>Version order.</b> Versions and delete indexes are Raft log indexes, so the OK writes
 *       (whose versions are known) must be linearized in version order, and no step may raise the
 *       known-version floor to or past the version of an OK write still pending.
 *   <li><b>Observations first, without choice.</b> A read or version-mismatch observation that is a
 *       candidate (so all its real-time predecessors are linearized) and matches the current state
 *       without binding a version is linearized at once, and the search never tries to postpone it:
 *       it changes nothing, so if a linearization places it later, moving it here yields another.
 *       The same holds for a read that binds the version of a value written once: any linearization
 *       reads that same write, whose version it binds, later in the same stretch. (A mismatch that
 *       binds stays a choice: the version it saw may be a later write's.) If the configuration
 *       after a forced step is known to fail, so is the one before.
 *   <li><b>Reads pin their value.</b> A value written once is current for one stretch of the
 *       linearization, so every read of it is linearized in that stretch: no write may replace such
 *       a value while a read of it is pending.
 *   <li><b>No INFO write right before a blind write.</b> A blind write (an unconditional put, or an
 *       INFO unconditional delete) ignores the state it overwrites, so an INFO write linearized
 *       just before it had no visible effect and any linearization can leave it out.
 *   <li><b>Interchangeable INFO operations.</b> INFO deletes, and INFO puts whose value no read
 *       returned, differ only in their invocation times when they have the same kind and
 *       expectation (an unread put's state carries {@link RegisterState#UNREAD}). Within such a
 *       group any linearization can be rewritten to use the earliest-invoked members first, so the
 *       search only linearizes a member once all earlier-invoked members of its group are.
 * </ol>
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
  record Result(
      Verdict verdict,
      long statesExplored,
      List<Step> longestPrefix,
      KeyObligation blocking,
      String limitHit) {}

  /**
   * A point of the search: what is linearized, the state, and whether the next step may be a blind
   * write (not right after an INFO write, reduction 5).
   */
  private record Configuration(
      LinearizedSet.Snapshot linearized, RegisterState state, boolean blindAllowed) {}

  /** Operations whose effects are indistinguishable apart from their invocation time. */
  private record Group(KeyObligation.Step step, long expectedVersion) {}

  private static final int NONE = -1;
  // Phases of the scan at one point: forced observations, then required operations, then INFO
  // writes.
  private static final int OBSERVE = 0;
  private static final int REQUIRED = 1;
  private static final int OPTIONAL = 2;
  private static final int CLOCK_CHECK_INTERVAL = 1024;
  private static final int DOMINANCE_PROBES_MAX = 32;

  private final KeyObligation[] ops;
  private final int requiredCount;
  private final SearchLimits limits;
  private final LongSupplier nanoClock;

  // Entries: call of op i is 2i, return of op i is 2i+1, the list head is 2n.
  private final int head;
  private final int[] next;
  private final int[] prev;

  /** OK writes by version, and each op's rank in that order (NONE for the others). */
  private final int[] byVersion;

  private final int[] versionRank;

  /** The previous member of an op's interchangeable group by invocation, or NONE. */
  private final int[] groupPredecessor;

  /** How many reads of each value written at most once are not linearized yet. */
  private final Map<String, Integer> pendingReads = new HashMap<>();

  // Search state.
  private final Set<Configuration> explored = new HashSet<>();
  private final LinearizedSet linearized;
  private final int[] stackOps;
  private final RegisterState[] stackStates;
  private final int[] stackPhase;

  /** The INFO operations on the stack, in order. */
  private final int[] infoStack;

  private int infoDepth;
  private int depth;
  private int remaining;
  private int versionsLinearized;
  private RegisterState state = RegisterState.INITIAL;
  private int bestDepth = -1;
  private List<Step> longest = List.of();
  private KeyObligation blocking;

  private LinearizationSearch(
      List<KeyObligation> obligations, SearchLimits limits, LongSupplier nanoClock) {
    // Required operations first, each group by invocation: keeps the linearized bitset dense (see
    // LinearizedSet).
    List<KeyObligation> sorted = new ArrayList<>(obligations);
    sorted.sort(
        Comparator.comparing((KeyObligation op) -> !op.required())
            .thenComparingLong(op -> op.source().invokeNanos())
            .thenComparingLong(op -> op.source().id()));
    this.ops = withUnreadValues(sorted).toArray(new KeyObligation[0]);
    this.requiredCount = (int) sorted.stream().filter(KeyObligation::required).count();
    this.limits = limits;
    this.nanoClock = nanoClock;
    int n = ops.length;
    this.head = 2 * n;
    this.next = new int[2 * n + 1];
    this.prev = new int[2 * n + 1];
    linkInTimeOrder();
    this.versionRank = new int[n];
    this.byVersion = rankKnownVersions();
    this.groupPredecessor = chainInterchangeable();
    countPinningReads();
    this.linearized = new LinearizedSet(n);
    this.stackOps = new int[n];
    this.stackStates = new RegisterState[n];
    this.stackPhase = new int[n];
    this.infoStack = new int[n];
    this.remaining = requiredCount;
  }

  static Result run(List<KeyObligation> obligations, SearchLimits limits, LongSupplier nanoClock) {
    return new LinearizationSearch(obligations, limits, nanoClock).search();
  }

  /** INFO puts whose value no linearizable read returned get the shared UNREAD value. */
  private static List<KeyObligation> withUnreadValues(List<KeyObligation> sorted) {
    Set<String> read = new HashSet<>();
    for (KeyObligation op : sorted) {
      if (op.step() == KeyObligation.Step.READ && op.value() != null) {
        read.add(op.value());
      }
    }
    return sorted.stream()
        .map(
            op ->
                !op.required() && op.step() == KeyObligation.Step.PUT && !read.contains(op.value())
                    ? op.withUnreadValue()
                    : op)
        .toList();
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
    next[last] = NONE;
  }

  private long entryTime(int entry) {
    KeyObligation op = ops[entry >>> 1];
    return isCall(entry) ? op.source().invokeNanos() : op.source().effectDeadlineNanos();
  }

  private int[] rankKnownVersions() {
    List<Integer> known = new ArrayList<>();
    for (int i = 0; i < ops.length; i++) {
      versionRank[i] = NONE;
      if (ops[i].required() && !ops[i].isObservation()) {
        known.add(i);
      }
    }
    known.sort(Comparator.comparingLong(i -> ops[i].version()));
    int[] order = new int[known.size()];
    for (int rank = 0; rank < order.length; rank++) {
      order[rank] = known.get(rank);
      versionRank[order[rank]] = rank;
    }
    return order;
  }

  private int[] chainInterchangeable() {
    int[] predecessor = new int[ops.length];
    Map<Group, Integer> lastOfGroup = new HashMap<>();
    // ops are sorted by invocation within the INFO part, so chaining in index order chains by
    // invocation.
    for (int i = 0; i < ops.length; i++) {
      predecessor[i] = NONE;
      KeyObligation op = ops[i];
      boolean interchangeable =
          !op.required()
              && (op.step() == KeyObligation.Step.DELETE || op.value() == RegisterState.UNREAD);
      if (interchangeable) {
        Integer last = lastOfGroup.put(new Group(op.step(), op.expectedVersion()), i);
        predecessor[i] = last == null ? NONE : last;
      }
    }
    return predecessor;
  }

  /** Counts the reads of each value written at most once (a value written twice pins nothing). */
  private void countPinningReads() {
    Map<String, Integer> writes = new HashMap<>();
    for (KeyObligation op : ops) {
      if (op.step() == KeyObligation.Step.PUT) {
        writes.merge(op.value(), 1, Integer::sum);
      }
    }
    for (KeyObligation op : ops) {
      if (pins(op) && writes.getOrDefault(op.value(), 0) <= 1) {
        pendingReads.merge(op.value(), 1, Integer::sum);
      }
    }
  }

  private static boolean pins(KeyObligation op) {
    return op.step() == KeyObligation.Step.READ && op.value() != null;
  }

  private static boolean isCall(int entry) {
    return (entry & 1) == 0;
  }

  private Result search() {
    long startNanos = nanoClock.getAsLong();
    long budgetNanos = limits.maxTimePerKey().toNanos();
    int entry = next[head];
    int phase = OBSERVE;
    long iterations = 0;
    while (remaining > 0) {
      if (++iterations % CLOCK_CHECK_INTERVAL == 0
          && nanoClock.getAsLong() - startNanos > budgetNanos) {
        return unknown("time limit of " + limits.maxTimePerKey() + " per key");
      }
      if (entry != NONE && isCall(entry)) {
        int op = entry >>> 1;
        if (inPhase(op, phase) && mayLinearizeNow(op)) {
          RegisterState after = RegisterModel.step(state, ops[op]);
          if (after != null
              && keepsVersionOrder(op, after)
              && (phase != OBSERVE || forceable(op, after))) {
            linearized.add(op);
            if (isNew(op, after)) {
              if (explored.size() > limits.maxStatesPerKey()) {
                return unknown("state limit of " + limits.maxStatesPerKey() + " per key");
              }
              push(op, after, phase);
              entry = next[head];
              phase = OBSERVE;
              continue;
            }
            linearized.remove(op);
            if (phase == OBSERVE) {
              // The configuration after a forced step is covered, so this one is too.
              if (!backtrack()) {
                return invalid();
              }
              entry = next[2 * stackOps[depth]];
              phase = stackPhase[depth];
              continue;
            }
          }
        }
        entry = next[entry];
        continue;
      }
      if (phase != OPTIONAL) {
        // The candidates of this phase are exhausted; scan them again for the next phase.
        phase++;
        entry = next[head];
        continue;
      }
      // A return entry: the operation it belongs to cannot be linearized in any remaining way.
      if (depth > bestDepth) {
        bestDepth = depth;
        longest = prefix();
        blocking = entry == NONE ? null : ops[entry >>> 1];
      }
      if (!backtrack()) {
        return invalid();
      }
      entry = next[2 * stackOps[depth]];
      phase = stackPhase[depth];
    }
    return new Result(Verdict.VALID, explored.size(), List.of(), null, null);
  }

  private boolean inPhase(int op, int phase) {
    return switch (phase) {
      case OBSERVE -> ops[op].isObservation();
      case REQUIRED -> ops[op].required();
      default -> !ops[op].required();
    };
  }

  /**
   * Records the configuration reached by linearizing {@code op} (already in {@code linearized})
   * into {@code after}; false if it, or a configuration that dominates it, was explored before
   * (reduction 6).
   */
  private boolean isNew(int op, RegisterState after) {
    boolean blindAllowed = ops[op].required();
    Configuration reached = new Configuration(linearized.snapshot(), after, blindAllowed);
    if (explored.contains(reached)
        || !blindAllowed
            && explored.contains(new Configuration(reached.linearized(), after, true))) {
      return false;
    }
    if (!ops[op].required() && coveredWithout(op, after, blindAllowed)) {
      return false;
    }
    // Probing every INFO write on the stack costs too much on long histories; the recent ones are
    // where alternatives converge. Probing fewer only prunes less.
    for (int i = infoDepth - 1; i >= Math.max(0, infoDepth - DOMINANCE_PROBES_MAX); i--) {
      if (coveredWithout(infoStack[i], after, blindAllowed)) {
        return false;
      }
    }
    explored.add(reached);
    return true;
  }

  /**
   * Whether the current linearized set without the INFO write {@code info}, in {@code after}, was
   * explored.
   */
  private boolean coveredWithout(int info, RegisterState after, boolean blindAllowed) {
    linearized.remove(info);
    LinearizedSet.Snapshot without = linearized.snapshot();
    linearized.add(info);
    return explored.contains(new Configuration(without, after, true))
        || !blindAllowed && explored.contains(new Configuration(without, after, false));
  }

  /**
   * Version order, pinned values, blind writes and interchangeable-group order (reductions 1, 3, 4,
   * 5).
   */
  private boolean mayLinearizeNow(int op) {
    if (depth > 0 && !ops[stackOps[depth - 1]].required() && isBlindWrite(ops[op])) {
      return false;
    }
    if (!ops[op].isObservation()
        && state.present()
        && pendingReads.getOrDefault(state.value(), 0) > 0) {
      return false;
    }
    int rank = versionRank[op];
    if (rank != NONE && rank != versionsLinearized) {
      return false;
    }
    int predecessor = groupPredecessor[op];
    return predecessor == NONE || linearized.contains(predecessor);
  }

  private static boolean isBlindWrite(KeyObligation op) {
    return op.expectedVersion() == Op.NO_EXPECTATION
        && (op.step() == KeyObligation.Step.PUT
            || op.step() == KeyObligation.Step.DELETE && op.existed() == null);
  }

  /**
   * Whether an observation that fits the current state may be linearized without choice (reduction
   * 2).
   */
  private boolean forceable(int op, RegisterState after) {
    boolean bindsNothing = after == state; // the model returns the same state when nothing changes
    return bindsNothing
        || ops[op].step() == KeyObligation.Step.READ && pendingReads.containsKey(ops[op].value());
  }

  /** After {@code op}, the floor must stay below the version of the next OK write to linearize. */
  private boolean keepsVersionOrder(int op, RegisterState after) {
    int nextRank = versionsLinearized + (versionRank[op] == NONE ? 0 : 1);
    return nextRank >= byVersion.length || after.floor() < ops[byVersion[nextRank]].version();
  }

  private void push(int op, RegisterState after, int phase) {
    stackOps[depth] = op;
    stackStates[depth] = state;
    stackPhase[depth] = phase;
    if (!ops[op].required()) {
      infoStack[infoDepth++] = op;
    }
    depth++;
    state = after;
    lift(op);
    if (ops[op].required()) {
      remaining--;
    }
    if (versionRank[op] != NONE) {
      versionsLinearized++;
    }
    if (pins(ops[op])) {
      pendingReads.computeIfPresent(ops[op].value(), (value, count) -> count - 1);
    }
  }

  /**
   * Undoes choices up to and including the most recent one that was not forced; the undone op is
   * left at {@code stackOps[depth]}. False if there is nothing left to undo.
   */
  private boolean backtrack() {
    boolean forced;
    do {
      if (depth == 0) {
        return false;
      }
      depth--;
      int op = stackOps[depth];
      forced = stackPhase[depth] == OBSERVE;
      if (!ops[op].required()) {
        infoDepth--;
      }
      state = stackStates[depth];
      linearized.remove(op);
      unlift(op);
      if (ops[op].required()) {
        remaining++;
      }
      if (versionRank[op] != NONE) {
        versionsLinearized--;
      }
      if (pins(ops[op])) {
        pendingReads.computeIfPresent(ops[op].value(), (value, count) -> count + 1);
      }
    } while (forced);
    return true;
  }

  private Result invalid() {
    return new Result(Verdict.INVALID, explored.size(), longest, blocking, null);
  }

  private Result unknown(String limitHit) {
    return new Result(Verdict.UNKNOWN, explored.size(), longest, null, limitHit);
  }

  private List<Step> prefix() {
    List<Step> steps = new ArrayList<>(depth);
    for (int i = 0; i < depth; i++) {
      RegisterState after = i + 1 < depth ? stackStates[i + 1] : state;
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
    if (next[entry] != NONE) {
      prev[next[entry]] = prev[entry];
    }
  }

  private void relink(int entry) {
    next[prev[entry]] = entry;
    if (next[entry] != NONE) {
      prev[next[entry]] = entry;
    }
  }
}

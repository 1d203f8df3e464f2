package io.cairn.tests.checker;

import io.cairn.tests.history.History;
import io.cairn.tests.history.Operation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Checks that the writes and LINEARIZABLE reads of a history are linearizable with respect to a map
 * of versioned registers.
 *
 * <p>Linearizability is compositional (Herlihy and Wing's locality; "P-compositionality" in Horn
 * and Kroening), and operations touch one key each, so each key is searched on its own by {@link
 * LinearizationSearch} against {@link RegisterModel}. What each operation contributes is decided by
 * {@link KeyObligation}: OK writes and reads must be linearized; INFO writes may be linearized
 * anywhere after their invocation, or never; a compare-and-set refused with VERSION_MISMATCH must
 * be linearized as a read of the version it reports; other failures and SESSION/EVENTUAL reads are
 * not linearizability obligations. {@link VersionConsistency} runs alongside.
 *
 * <p>The verdict is INVALID if any key is, else UNKNOWN if any key's search hit its {@link
 * SearchLimits}, else VALID.
 */
public final class LinearizabilityChecker implements Checker {

  static final String NAME = "linearizability";
  private static final int PREFIX_LINES_MAX = 20;
  private static final int CONCURRENT_LINES_MAX = 40;

  private final SearchLimits limits;
  private final LongSupplier nanoClock;

  public LinearizabilityChecker() {
    this(SearchLimits.DEFAULT, System::nanoTime);
  }

  /**
   * @param nanoClock measures the time limit; injected so tests can control it
   */
  public LinearizabilityChecker(SearchLimits limits, LongSupplier nanoClock) {
    this.limits = limits;
    this.nanoClock = nanoClock;
  }

  @Override
  public CheckResult check(History history) {
    OperationFormat format = new OperationFormat(history.startNanos());
    Verdict verdict = Verdict.VALID;
    List<String> problems = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    int obligationCount = 0;
    long statesExplored = 0;
    Map<String, List<Operation>> byKey = history.byKey();
    for (Map.Entry<String, List<Operation>> key : byKey.entrySet()) {
      List<KeyObligation> obligations =
          key.getValue().stream().map(KeyObligation::of).flatMap(Optional::stream).toList();
      obligationCount += obligations.size();

      VersionConsistency.Findings findings = VersionConsistency.check(key.getValue(), format);
      findings.notes().forEach(note -> notes.add("key \"" + key.getKey() + "\": " + note));
      if (!findings.violations().isEmpty()) {
        verdict = Verdict.INVALID;
        findings.violations().forEach(v -> problems.add("key \"" + key.getKey() + "\": " + v));
      }

      LinearizationSearch.Result result = LinearizationSearch.run(obligations, limits, nanoClock);
      statesExplored += result.statesExplored();
      verdict = verdict.and(result.verdict());
      if (result.verdict() == Verdict.INVALID) {
        problems.add(describeViolation(key.getKey(), obligations, result, format));
      } else if (result.verdict() == Verdict.UNKNOWN) {
        problems.add(
            "key \""
                + key.getKey()
                + "\": search stopped at the "
                + result.limitHit()
                + " after "
                + result.statesExplored()
                + " configurations ("
                + obligations.size()
                + " operations, "
                + result.longestPrefix().size()
                + " linearized at the deepest point); the verdict is unknown");
      }
    }

    StringBuilder explanation = new StringBuilder();
    explanation
        .append(byKey.size())
        .append(" keys, ")
        .append(obligationCount)
        .append(" operations to linearize, ")
        .append(statesExplored)
        .append(" configurations explored: ")
        .append(
            switch (verdict) {
              case VALID -> "every key is linearizable";
              case INVALID -> "NOT linearizable";
              case UNKNOWN -> "undecided within the search limits";
            });
    problems.forEach(p -> explanation.append('\n').append(p));
    notes.forEach(n -> explanation.append("\nnote: ").append(n));
    return new CheckResult(NAME, verdict, explanation.toString());
  }

  private static String describeViolation(
      String key,
      List<KeyObligation> obligations,
      LinearizationSearch.Result result,
      OperationFormat format) {
    List<LinearizationSearch.Step> prefix = result.longestPrefix();
    long required = obligations.stream().filter(KeyObligation::required).count();
    StringBuilder out = new StringBuilder();
    out.append("key \"")
        .append(key)
        .append("\": not linearizable (")
        .append(required)
        .append(" operations must be linearized, ")
        .append(obligations.size() - required)
        .append(" INFO writes may be; ")
        .append(result.statesExplored())
        .append(" configurations explored)\n");
    out.append("  longest linearizable prefix: ").append(prefix.size()).append(" operations");
    if (prefix.size() > PREFIX_LINES_MAX) {
      out.append(" (the first ").append(prefix.size() - PREFIX_LINES_MAX).append(" not shown)");
    }
    for (LinearizationSearch.Step step :
        prefix.subList(Math.max(0, prefix.size() - PREFIX_LINES_MAX), prefix.size())) {
      out.append("\n    ")
          .append(format.describe(step.op().source()))
          .append("  =>  ")
          .append(step.after());
    }
    RegisterState last =
        prefix.isEmpty() ? RegisterState.INITIAL : prefix.get(prefix.size() - 1).after();
    out.append("\n  state after the prefix: ").append(last);
    List<Operation> linearizedSources = prefix.stream().map(step -> step.op().source()).toList();
    List<Operation> laterReadsOfCurrent =
        obligations.stream()
            .filter(op -> op.step() == KeyObligation.Step.READ && last.holds(op.value()))
            .map(KeyObligation::source)
            .filter(op -> !linearizedSources.contains(op))
            .toList();
    if (!laterReadsOfCurrent.isEmpty()) {
      out.append("\n  its value must stay until these reads of it, so no write may follow yet:");
      laterReadsOfCurrent.stream()
          .limit(CONCURRENT_LINES_MAX)
          .forEach(read -> out.append("\n    ").append(format.describe(read)));
    }
    if (result.blocking() == null) {
      out.append("\n  and no operation can follow it");
      return out.toString();
    }
    Operation blocking = result.blocking().source();
    out.append(
            "\n  no operation can be linearized next, and this one had to be before it completed:\n    ")
        .append(format.describe(blocking));
    List<Operation> concurrent =
        obligations.stream()
            .map(KeyObligation::source)
            .filter(
                other ->
                    other != blocking
                        && other.invokeNanos() <= blocking.effectDeadlineNanos()
                        && other.effectDeadlineNanos() >= blocking.invokeNanos())
            .sorted(Comparator.comparingLong(Operation::invokeNanos))
            .toList();
    out.append("\n  operations concurrent with it (* = in the prefix):");
    if (concurrent.isEmpty()) {
      out.append(" none");
    }
    for (Operation other :
        concurrent.subList(0, Math.min(concurrent.size(), CONCURRENT_LINES_MAX))) {
      out.append("\n  ")
          .append(linearizedSources.contains(other) ? "* " : "  ")
          .append(format.describe(other));
    }
    if (concurrent.size() > CONCURRENT_LINES_MAX) {
      out.append("\n    ... and ").append(concurrent.size() - CONCURRENT_LINES_MAX).append(" more");
    }
    return out.toString();
  }
}

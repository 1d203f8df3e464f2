package io.cairn.tests.jepsen;

import io.cairn.tests.checker.CheckReport;
import io.cairn.tests.checker.Verdict;
import io.cairn.tests.history.History;
import io.cairn.tests.history.OpKind;
import io.cairn.tests.history.Operation;
import io.cairn.tests.history.Outcome;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What one chaos run did and found. {@code livenessFailure} is set when the cluster failed a
 * bounded liveness check (a finding, like a violation); {@code harnessFailure} when the run itself
 * broke (a partition that did not cut, a node that did not come back, the lab could not be built);
 * the verdict is then not to be trusted whatever it says.
 */
public record ChaosResult(
    ChaosOptions options,
    History history,
    Path historyFile,
    CheckReport report,
    FaultLog faults,
    int episodes,
    FailoverAnalysis.Report failover,
    FailoverAnalysis.Report restarts,
    List<String> keysWithoutFinalRead,
    LivenessViolation livenessFailure,
    Throwable harnessFailure,
    long wallMillis) {

  public Verdict verdict() {
    return report == null ? Verdict.UNKNOWN : report.verdict();
  }

  /** Valid history, every liveness check passed, and a run that did what it claims. */
  public boolean passed() {
    return harnessFailure == null && livenessFailure == null && verdict() == Verdict.VALID;
  }

  /**
   * Exit status of the command-line run: 0 pass, 1 violation (of consistency or liveness), 2
   * undecided, 3 harness failure.
   */
  public int exitStatus() {
    if (verdict() == Verdict.INVALID || livenessFailure != null) {
      return 1;
    }
    if (harnessFailure != null) {
      return 3;
    }
    return verdict() == Verdict.VALID ? 0 : 2;
  }

  public Map<Outcome, Long> operationsByOutcome() {
    Map<Outcome, Long> counts = new EnumMap<>(Outcome.class);
    for (Outcome o : Outcome.values()) {
      counts.put(o, 0L);
    }
    if (history != null) {
      history.operations().forEach(op -> counts.merge(op.outcome(), 1L, Long::sum));
    }
    return counts;
  }

  /** Per kind, "OK/FAIL/INFO" counts, e.g. {@code PUT_CAS=812/301/14}. */
  public String operationsByKind() {
    if (history == null) {
      return "";
    }
    Map<OpKind, Map<Outcome, Long>> byKind =
        history.operations().stream()
            .collect(
                Collectors.groupingBy(
                    op -> op.op().kind(),
                    () -> new EnumMap<>(OpKind.class),
                    Collectors.groupingBy(
                        Operation::outcome,
                        () -> new EnumMap<>(Outcome.class),
                        Collectors.counting())));
    return byKind.entrySet().stream()
        .map(
            e ->
                e.getKey()
                    + "="
                    + e.getValue().getOrDefault(Outcome.OK, 0L)
                    + "/"
                    + e.getValue().getOrDefault(Outcome.FAIL, 0L)
                    + "/"
                    + e.getValue().getOrDefault(Outcome.INFO, 0L))
        .collect(Collectors.joining(" "));
  }

  /**
   * Per kind of process - routed (a {@code CairnClient}), non-leader (raw calls through one node),
   * the final reader - its ids and its operations' "total (OK/FAIL/INFO)".
   */
  public String operationsByProcessKind() {
    if (history == null) {
      return "";
    }
    int routedLast = options.processes();
    int pinnedLast = routedLast + options.nonLeaderProcesses();
    Map<String, Map<Outcome, Long>> byKind = new java.util.LinkedHashMap<>();
    String routed = "routed p1-p" + routedLast;
    String pinned = "non-leader p" + (routedLast + 1) + "-p" + pinnedLast;
    String last = "final reads p" + (pinnedLast + 1);
    byKind.put(routed, new EnumMap<>(Outcome.class));
    if (pinnedLast > routedLast) {
      byKind.put(pinned, new EnumMap<>(Outcome.class));
    }
    byKind.put(last, new EnumMap<>(Outcome.class));
    history
        .operations()
        .forEach(
            op ->
                byKind
                    .get(
                        op.process() <= routedLast
                            ? routed
                            : op.process() <= pinnedLast ? pinned : last)
                    .merge(op.outcome(), 1L, Long::sum));
    return byKind.entrySet().stream()
        .map(
            e ->
                e.getKey()
                    + " "
                    + e.getValue().values().stream().mapToLong(Long::longValue).sum()
                    + " ("
                    + e.getValue().getOrDefault(Outcome.OK, 0L)
                    + "/"
                    + e.getValue().getOrDefault(Outcome.FAIL, 0L)
                    + "/"
                    + e.getValue().getOrDefault(Outcome.INFO, 0L)
                    + ")")
        .collect(Collectors.joining(", "));
  }

  /** The report printed after a run; with the checker's full explanation on a violation. */
  public String summary() {
    Map<Outcome, Long> outcomes = operationsByOutcome();
    long total = outcomes.values().stream().mapToLong(Long::longValue).sum();
    StringBuilder out = new StringBuilder();
    out.append("=== chaos run seed=")
        .append(options.seed())
        .append(" nodes=")
        .append(options.nodes())
        .append(" shards=")
        .append(options.shards())
        .append(" faults=")
        .append(options.faults().stream().sorted().toList())
        .append(options.combine() ? " (alone and combined)" : " (alone)")
        .append(" duration=")
        .append(options.duration().toSeconds())
        .append("s wall=")
        .append(wallMillis / 1000)
        .append("s\n");
    out.append("operations: ")
        .append(total)
        .append(" (OK ")
        .append(outcomes.get(Outcome.OK))
        .append(", FAIL ")
        .append(outcomes.get(Outcome.FAIL))
        .append(", INFO ")
        .append(outcomes.get(Outcome.INFO))
        .append(")")
        .append(" by kind OK/FAIL/INFO: ")
        .append(operationsByKind())
        .append('\n');
    out.append("operations by process, OK/FAIL/INFO: ")
        .append(operationsByProcessKind())
        .append('\n');
    out.append("faults injected (")
        .append(episodes)
        .append(" episodes): ")
        .append(faults.countsByFault())
        .append('\n');
    faults
        .events()
        .forEach(
            e ->
                out.append("  ")
                    .append(e.fault())
                    .append(' ')
                    .append(e.target())
                    .append(
                        e.endNanos() > 0
                            ? String.format(
                                java.util.Locale.ROOT,
                                " for %.1f s",
                                (e.endNanos() - e.startNanos()) / 1e9)
                            : " (not healed by its episode)")
                    .append('\n'));
    faults
        .partitionProofs()
        .forEach(p -> out.append("  partition proven: ").append(p).append('\n'));
    out.append("failover (single-node kills of a shard leader): ").append(failover).append('\n');
    out.append("whole-cluster restarts: ").append(restarts).append('\n');
    // One line per sample set, for summing figures over the runs of a soak
    // (scripts/soak-report.sh).
    out.append("failover samples ms:").append(samples(failover)).append('\n');
    out.append("restart samples ms:").append(samples(restarts)).append('\n');
    if (!keysWithoutFinalRead.isEmpty()) {
      out.append("keys without a final LINEARIZABLE read: ")
          .append(keysWithoutFinalRead)
          .append('\n');
    }
    if (report != null) {
      boolean detailed = report.verdict() != Verdict.VALID;
      out.append(
              detailed
                  ? report.toString()
                  : "verdict: "
                      + report.verdict()
                      + "\n"
                      + report.results().stream()
                          .map(
                              r ->
                                  "  "
                                      + r.checker()
                                      + ": "
                                      + r.verdict()
                                      + " - "
                                      + r.explanation().lines().findFirst().orElse(""))
                          .collect(Collectors.joining("\n")))
          .append('\n');
    } else {
      out.append("verdict: not checked\n");
    }
    if (livenessFailure != null) {
      out.append(
              livenessFailure instanceof ReplicaDivergence
                  ? "REPLICAS DIVERGED: "
                  : "LIVENESS FAILURE: ")
          .append(livenessFailure.getMessage())
          .append('\n');
    }
    if (harnessFailure != null) {
      out.append("HARNESS FAILURE: ").append(harnessFailure).append('\n');
    }
    out.append("history: ").append(historyFile).append('\n');
    out.append("replay: ").append(options.replayCommand()).append('\n');
    return out.toString();
  }

  private static String samples(FailoverAnalysis.Report r) {
    StringBuilder sb = new StringBuilder();
    for (double ms : r.recoveryMillis()) {
      sb.append(' ').append(Math.round(ms));
    }
    return sb.toString();
  }
}

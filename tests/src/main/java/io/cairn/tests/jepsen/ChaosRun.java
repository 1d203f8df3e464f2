package io.cairn.tests.jepsen;

import io.cairn.proto.ShardMap;
import io.cairn.tests.checker.CheckReport;
import io.cairn.tests.checker.CheckerSuite;
import io.cairn.tests.history.History;
import io.cairn.tests.history.HistoryRecorder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;

/**
 * One seeded chaos run, end to end: build the network lab, start the nodes inside it, run the
 * workload while the nemesis injects its schedule of faults, heal everything, wait for a healthy
 * cluster, read every key once more (LINEARIZABLE), tear it all down, write the history and check
 * it.
 *
 * <p>The workload has two kinds of processes recording into one history: routed ones (p1..pP, a
 * {@code CairnClient} each, which sends every request to its shard's leader) and non-leader ones
 * (the next ids, each sending raw calls through one fixed node, so most of their requests reach a
 * node that must forward them). After every episode and once more at the end, the {@link
 * ForwardingCheck} requires every node to take a write for every shard again.
 *
 * <pre>
 * java -cp ... io.cairn.tests.jepsen.ChaosRun [--seed N] [--duration SECONDS] [--faults LIST]
 *     [--no-combine] [--nodes 3|5] [--shards S] [--processes P] [--non-leader-processes N]
 *     [--keys K] [--disk-mb MB] [--spares N] [--plan FAULT,...] [--election-ms MIN:MAX]
 *     [--security plain|tls|auth] [--work-dir DIR]
 *     [--lab-script scripts/netns.sh]
 * </pre>
 *
 * Fault lists: see {@link Fault#parse}. Exit status: 0 valid, 1 a consistency violation or a {@link
 * LivenessViolation} (a node that kept refusing to forward writes after the faults healed), 2 the
 * checker could not decide within its limits, 3 the harness failed (the verdict is then not
 * trusted), 64 bad usage. Everything it started is stopped and removed before it returns, also on
 * failure; the history and node logs stay in the run directory.
 */
public final class ChaosRun {

  private static final Duration HEALTHY_AFTER_HEAL_MAX = Duration.ofSeconds(120);
  private static final Duration FINAL_READS_MAX = Duration.ofSeconds(60);

  /**
   * How much longer than its plan the nemesis may take (it waits for a whole cluster after every
   * episode, ~5 s each) before it is stopped; at least 4 minutes, half the run for long runs.
   */
  private static final Duration NEMESIS_OVERRUN_MIN = Duration.ofMinutes(4);

  /**
   * How long the workload goes on after the last fault is healed: so the last fault's recovery is
   * in the history (a whole-cluster restart as the last episode otherwise shows as "unrecovered")
   * and the healed cluster is checked under load too.
   */
  // Replica moves left by membership faults finish (or are cancelled) within this after healing.
  private static final Duration PLACEMENT_SETTLED_MAX = Duration.ofSeconds(180);

  private static final Duration RECOVERY_TAIL = Duration.ofSeconds(10);

  // An episode that changes the cluster's shape lasts until its moves are done and verified.
  // (its own waits are bounded: a removal's drain 180 s, the commands 90 s each, verify 90 s).
  private static final Duration SHAPE_CHANGE_MAX = Duration.ofMinutes(6);

  private final ChaosOptions options;
  private final PrintStream out;

  public ChaosRun(ChaosOptions options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  public static void main(String[] args) {
    ChaosOptions options;
    try {
      options = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(
          "usage: ChaosRun [--seed N] [--duration SECONDS] [--faults all|kill,pause,partition,link,"
              + "restart,disk|FAULT,...] [--no-combine] [--nodes 3|5] [--shards S] [--processes P]"
              + " [--non-leader-processes N] [--keys K] [--disk-mb MB] [--spares N]"
              + " [--plan FAULT,FAULT,...]"
              + " [--election-ms MIN:MAX] [--security plain|tls|auth] [--work-dir DIR]"
              + " [--lab-script PATH]");
      System.exit(64);
      return;
    }
    ChaosResult result = new ChaosRun(options, System.out).run();
    System.out.println(result.summary());
    System.out.flush();
    System.exit(result.exitStatus());
  }

  static ChaosOptions parse(String[] args) {
    ChaosOptions o = ChaosOptions.defaults(System.currentTimeMillis() % 1_000_000);
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--seed" -> o = o.withSeed(Long.parseLong(value(args, ++i)));
        case "--duration" ->
            o = o.withDuration(Duration.ofSeconds(Long.parseLong(value(args, ++i))));
        case "--faults" -> o = o.withFaults(Fault.parse(value(args, ++i)), o.combine());
        case "--no-combine" -> o = o.withFaults(o.faults(), false);
        case "--combine" -> o = o.withFaults(o.faults(), true);
        case "--nodes" -> o = o.withTopology(Integer.parseInt(value(args, ++i)), o.shards());
        case "--shards" -> o = o.withTopology(o.nodes(), Integer.parseInt(value(args, ++i)));
        case "--processes" -> o = o.withWorkload(Integer.parseInt(value(args, ++i)), o.keys());
        case "--non-leader-processes" ->
            o = o.withNonLeaderProcesses(Integer.parseInt(value(args, ++i)));
        case "--disk-mb" -> o = o.withDiskMb(Integer.parseInt(value(args, ++i)));
        case "--keys" -> o = o.withWorkload(o.processes(), Integer.parseInt(value(args, ++i)));
        case "--election-ms" -> {
          String[] range = value(args, ++i).split(":");
          o =
              o.withElectionTimeouts(
                  Integer.parseInt(range[0]), Integer.parseInt(range[range.length - 1]));
        }
        case "--spares" -> o = o.withMembership(Integer.parseInt(value(args, ++i)), o.script());
        case "--plan" -> o = o.withMembership(o.spares(), Fault.parseSequence(value(args, ++i)));
        case "--security" -> o = o.withSecurity(LabSecurity.Mode.parse(value(args, ++i)));
        case "--work-dir" -> o = o.withPaths(Path.of(value(args, ++i)), o.labScript());
        case "--lab-script" -> o = o.withPaths(o.workDir(), Path.of(value(args, ++i)));
        default -> throw new IllegalArgumentException("unknown argument " + a);
      }
    }
    if (o.planProblem() != null) {
      throw new IllegalArgumentException(o.planProblem());
    }
    // A scripted run injects exactly its plan, whatever --faults said before or after it.
    return o.script().isEmpty() ? o : o.withMembership(o.spares(), o.script());
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      throw new IllegalArgumentException(args[i - 1] + " needs a value");
    }
    return args[i];
  }

  /**
   * Runs, checks and reports; never throws for a failure of the run (see {@link
   * ChaosResult#harnessFailure}).
   */
  public ChaosResult run() {
    long started = System.nanoTime();
    Path runDir =
        options
            .workDir()
            .toAbsolutePath()
            .resolve(
                "seed-"
                    + options.seed()
                    + "-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    HistoryRecorder recorder = HistoryRecorder.withSystemClock();
    FaultLog faults = new FaultLog();
    Map<String, Integer> shardOfKey = new HashMap<>();
    List<String> unread = List.of();
    Throwable failure = null;
    LivenessViolation liveness = null;
    int episodes = 0;
    WorkloadSpec spec =
        WorkloadSpec.standard(options.seed())
            .withProcesses(options.processes())
            .withKeys(WorkloadSpec.keys(options.keys()));
    out.println(
        "chaos run seed="
            + options.seed()
            + " in "
            + runDir
            + " (client port: "
            + options.security().flag()
            + ")");
    if (!LabCluster.nodeConfigFromProperty().isEmpty()) {
      out.println(
          "every node also gets "
              + LabCluster.nodeConfigFromProperty()
              + " (-D"
              + LabCluster.NODE_CONFIG_PROPERTY
              + ", CHAOS_NODE_CONFIG)");
    }
    out.flush();
    try {
      Files.createDirectories(runDir);
      LabCluster.Settings settings =
          new LabCluster.Settings(
              options.nodes(),
              options.shards(),
              options.basePort(),
              options.electionTimeoutMsMin(),
              options.electionTimeoutMsMax(),
              Map.of(),
              "",
              options.smallDisks() ? options.diskMb() : 0,
              options.spares(),
              options.security());
      try (LabCluster lab = LabCluster.start(options.labScript(), runDir, settings)) {
        ShardMap map = lab.shardMap(Duration.ofSeconds(60));
        spec.keys().forEach(k -> shardOfKey.put(k, LabCluster.shardOf(map, k)));
        out.println("cluster up: " + lab.cluster().endpoints() + "; keys by shard " + shardOfKey);
        List<FaultPlan.Episode> plan =
            options.script().isEmpty()
                ? FaultPlan.generate(
                    options.seed(), options.duration(), options.faults(), options.combine())
                : FaultPlan.scripted(options.seed(), options.script());
        Map<Integer, Integer> leadersAtStart = lab.locator().leaders();
        List<Integer> pinOrder = pinOrder(leadersAtStart, shardOfKey);
        try (Workload workload =
                new Workload(
                    spec,
                    recorder,
                    p ->
                        new ClientOpSender(
                            lab.newClient(
                                spec.opDeadline().toMillis(), new Random(spec.processSeed(p)))));
            Workload nonLeader = nonLeaderWorkload(lab, spec, recorder, pinOrder);
            ForwardingCheck forwarding = ForwardingCheck.of(lab, map, spec.opDeadline())) {
          Consumer<String> progress =
              line -> {
                out.println("  " + line);
                out.flush();
              };
          Nemesis nemesis =
              new Nemesis(
                  plan, new FaultInjector(lab, faults, forwarding, progress), faults, progress);
          workload.start();
          if (nonLeader != null) {
            nonLeader.start();
            out.println(
                "  non-leader processes: "
                    + pins(pinOrder)
                    + "; shard leaders at the start "
                    + leadersAtStart);
          }
          Thread nemesisThread = new Thread(nemesis, "nemesis");
          // A nemesis past its bound must not keep the JVM (or the lab's teardown) waiting.
          nemesisThread.setDaemon(true);
          nemesisThread.start();
          nemesisThread.join(nemesisBound(plan).toMillis());
          if (nemesisThread.isAlive()) {
            nemesis.stop();
            nemesisThread.join(NEMESIS_OVERRUN_MIN.toMillis());
          }
          episodes = nemesis.episodesRun();
          // On a failure below, closing the workload stops it.
          if (nemesis.failure() instanceof LivenessViolation violation) {
            throw violation;
          }
          if (nemesis.failure() != null) {
            throw new IllegalStateException(
                "the nemesis failed: " + nemesis.failure().getMessage(), nemesis.failure());
          }
          if (nemesisThread.isAlive()) {
            throw new IllegalStateException(
                "the nemesis did not finish; its episode may still be in force");
          }
          out.println(
              "  faults over after "
                  + episodes
                  + " episodes; healing and waiting for a healthy cluster");
          lab.healAll(HEALTHY_AFTER_HEAL_MAX);
          lab.awaitPlacementSettled(PLACEMENT_SETTLED_MAX);
          forwarding.verify(lab.cluster()::isAlive);
          new MembershipChanges(lab, progress).verifyReplicas();
          out.println(
              "  healed; every node forwards (forwarding checks: "
                  + forwarding.summary()
                  + "); the workload runs "
                  + RECOVERY_TAIL.toSeconds()
                  + " s more");
          Pacing.pause(RECOVERY_TAIL);
          workload.stop();
          int lastProcess = workload.lastProcessId();
          if (nonLeader != null) {
            nonLeader.stop();
            lastProcess = nonLeader.lastProcessId();
          }
          try (OpSender finalReader =
              new ClientOpSender(lab.newClient(spec.opDeadline().toMillis(), new Random(0)))) {
            unread = workload.finalReads(finalReader, lastProcess + 1, FINAL_READS_MAX);
          }
        }
      }
    } catch (LivenessViolation v) {
      liveness = v;
    } catch (Throwable t) {
      failure = t;
      if (t instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
    }

    History history = recorder.finish();
    Path historyFile = runDir.resolve("history.jsonl");
    try {
      Files.createDirectories(runDir);
      history.writeTo(historyFile);
    } catch (IOException e) {
      failure = failure == null ? e : failure;
    }
    if (liveness == null && failure == null && ServiceContinuity.appliesTo(options.faults())) {
      liveness =
          ServiceContinuity.violations(history, options.processes())
              .map(LivenessViolation::new)
              .orElse(null);
    }
    out.println("checking " + history.size() + " operations");
    out.flush();
    CheckReport report = CheckerSuite.standard().check(history);
    ToIntFunction<String> shard = key -> shardOfKey.getOrDefault(key, -1);
    List<LeaderKill> kills = faults.leaderKills();
    FailoverAnalysis.Report failover =
        FailoverAnalysis.analyze(
            kills.stream().filter(k -> k.cause() != Fault.RESTART_ALL).toList(), history, shard);
    FailoverAnalysis.Report restarts =
        FailoverAnalysis.analyze(
            kills.stream().filter(k -> k.cause() == Fault.RESTART_ALL).toList(), history, shard);
    ChaosResult result =
        new ChaosResult(
            options,
            history,
            historyFile,
            report,
            faults,
            episodes,
            failover,
            restarts,
            unread,
            liveness,
            failure,
            (System.nanoTime() - started) / 1_000_000);
    if (result.passed()) {
      removeNodeData(runDir, options.nodes() + options.spares());
    }
    return result;
  }

  /**
   * How long the nemesis may take: its plan, plus half the run (at least {@link
   * #NEMESIS_OVERRUN_MIN}) for waiting on a whole cluster after every episode, plus {@link
   * #SHAPE_CHANGE_MAX} for every episode that changes the cluster's shape (it lasts until its
   * replicas have moved and are verified).
   */
  private Duration nemesisBound(List<FaultPlan.Episode> plan) {
    Duration planned =
        plan.stream().map(FaultPlan.Episode::length).reduce(Duration.ZERO, Duration::plus);
    Duration half = planned.dividedBy(2);
    Duration overrun = half.compareTo(NEMESIS_OVERRUN_MIN) > 0 ? half : NEMESIS_OVERRUN_MIN;
    long shapeChanges =
        plan.stream().filter(e -> e.faults().stream().anyMatch(Fault::changesShape)).count();
    return planned.plus(overrun).plus(SHAPE_CHANGE_MAX.multipliedBy(shapeChanges));
  }

  /**
   * The non-leader processes (ids after the routed ones), or null when there are none. Process i of
   * them (from 0) sends through node {@code pinOrder[i mod nodes]}, the nodes that lead the
   * workload's keys least at the start first: most of its operations then reach a node that must
   * forward them, and leaderships move during the run anyway.
   *
   * <p>Their raw calls carry no write id (see {@link PinnedNodeSender}), and their SESSION reads
   * carry the session the sender keeps by hand, so the full operation mix is valid for them.
   */
  private Workload nonLeaderWorkload(
      LabCluster lab, WorkloadSpec spec, HistoryRecorder recorder, List<Integer> pinOrder) {
    if (options.nonLeaderProcesses() == 0) {
      return null;
    }
    int first = options.processes() + 1;
    return new Workload(
        spec.withProcesses(options.nonLeaderProcesses()),
        first,
        recorder,
        p -> {
          int pin = pinOrder.get((p - first) % pinOrder.size());
          // A process whose node left the cluster goes on through the lowest member.
          return lab.pinnedSender(
              () -> lab.lab().host(lab.isMember(pin) ? pin : lab.members().first()),
              spec.opDeadline());
        });
  }

  /** Which non-leader process sends through which node, e.g. "p6->n3, p7->n2". */
  private String pins(List<Integer> pinOrder) {
    int first = options.processes() + 1;
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < options.nonLeaderProcesses(); i++) {
      sb.append(i == 0 ? "" : ", ").append('p').append(first + i);
      sb.append("->n").append(pinOrder.get(i % pinOrder.size()));
    }
    return sb.toString();
  }

  /** The nodes, those leading the shards of fewer of the workload's keys first (then by number). */
  private List<Integer> pinOrder(Map<Integer, Integer> leaders, Map<String, Integer> shardOfKey) {
    Map<Integer, Integer> keysLed = new HashMap<>();
    shardOfKey
        .values()
        .forEach(shard -> keysLed.merge(leaders.getOrDefault(shard, 0), 1, Integer::sum));
    return java.util.stream.IntStream.rangeClosed(1, options.nodes())
        .boxed()
        .sorted(
            java.util.Comparator.<Integer>comparingInt(n -> keysLed.getOrDefault(n, 0))
                .thenComparingInt(n -> n))
        .toList();
  }

  /** A passing run keeps its history and node logs, not the nodes' stores. */
  private static void removeNodeData(Path runDir, int nodes) {
    for (int node = 1; node <= nodes; node++) {
      Path data = runDir.resolve("n" + node).resolve("data");
      if (!Files.exists(data)) {
        continue;
      }
      try (var walk = Files.walk(data)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        // Leftover data of a passing run only costs disk.
      }
    }
  }
}

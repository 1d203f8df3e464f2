package io.cairn.tests.jepsen;

import io.cairn.proto.ShardMap;
import io.cairn.tests.checker.CheckReport;
import io.cairn.tests.checker.CheckResult;
import io.cairn.tests.checker.CheckerSuite;
import io.cairn.tests.checker.Verdict;
import io.cairn.tests.history.History;
import io.cairn.tests.history.HistoryRecorder;
import io.cairn.tests.history.Outcome;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The scenario that proves the checker catches a real consistency bug end to end: a shard's leader
 * is cut off from the other nodes while clients in the root namespace keep reading from it
 * (LINEARIZABLE, pinned to that node by {@link PinnedNodeSender}) and other clients write new
 * values through the other nodes (one writer pinned to each node, so no client routing sends them
 * to the old leader), which elect a new leader and go on committing.
 *
 * <p>With {@code debug.unsafe-local-reads=true} the deposed leader answers from its own state for
 * as long as it still believes it leads - until an election timeout (max) has passed without a
 * quorum - so reads invoked after the new leader acknowledged a write return older values: not
 * linearizable. Without the flag its reads need a majority to confirm its term, which the cut-off
 * node cannot get; they fail (INFO or FAIL), and the history is linearizable. (Ratis's own
 * ReadIndex did not: it skipped its heartbeat round and served stale reads here, see
 * docs/correctness.md.)
 *
 * <p>Timing: the window exists only if the majority elects and commits before the old leader steps
 * down, one election timeout (max) after it lost its quorum; a follower calls an election after a
 * random timeout in [min, max] (plus, with leader priorities, up to a request timeout waiting for
 * the cut-off node's vote). With one config for all nodes that race is lost about half the time. So
 * the node that leads by priority (the shard's first replica, to which Ratis hands leadership back
 * after every failover) keeps a long election timeout, and the other nodes are restarted with a
 * short one: the followers elect within a few seconds, the old leader believes for ten. Each trial
 * is one history in which that leader is cut off (up to {@code cycles} times, until a cycle shows
 * the window: the old leader answered a read invoked after the new leader acknowledged a write);
 * each cycle heals and waits for a healthy cluster and for the priority node to lead again.
 */
public final class StaleReadScenario {

  /** One trial's outcome. */
  public record Trial(
      long seed,
      List<String> cycles,
      Map<Outcome, Long> outcomes,
      CheckReport report,
      Path historyFile) {
    public Verdict linearizability() {
      return report.results().stream()
          .filter(r -> r.checker().equals("linearizability"))
          .map(CheckResult::verdict)
          .findFirst()
          .orElse(Verdict.UNKNOWN);
    }

    @Override
    public String toString() {
      return "trial seed="
          + seed
          + ": "
          + String.join("; ", cycles)
          + "; operations "
          + outcomes
          + "; linearizability "
          + linearizability()
          + "; overall "
          + report.verdict()
          + "; history "
          + historyFile;
    }
  }

  private static final int READERS = 3;
  private static final int FIRST_READER = 11;
  private static final int FINAL_READER = 21;
  private static final Duration BEFORE_CUT = Duration.ofMillis(1500);
  private static final int ELECTION_MS_MIN = 300;

  /** The priority node's election timeout (max): how long it leads on after losing its quorum. */
  private static final int ELECTION_MS_MAX = 10_000;

  /** The other nodes' election timeout (max): how soon they elect a new leader. */
  private static final int FOLLOWER_ELECTION_MS_MAX = 1_500;

  /** After the cut, hold until the old leader must have stepped down: max plus a margin. */
  private static final Duration CUT_HOLD = Duration.ofMillis(ELECTION_MS_MAX + 1500);

  private static final int REQUEST_TIMEOUT_MS = 1000;
  private static final int BASE_PORT = 7100;

  private StaleReadScenario() {}

  /**
   * Runs the scenario by hand and prints each trial, with the checker's report on a violation:
   * {@code StaleReadScenario true|false SEED...}. Exit status 0 when every trial came out as the
   * flag predicts (unsafe: not linearizable; safe: valid), else 1.
   */
  public static void main(String[] args) {
    boolean unsafe = Boolean.parseBoolean(args[0]);
    List<Long> seeds = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      seeds.add(Long.parseLong(args[i]));
    }
    List<Trial> trials =
        run(
            Path.of("scripts", "netns.sh"),
            workDir(
                Path.of("tests", "target", "chaos"),
                unsafe ? "stale-read-unsafe" : "stale-read-safe"),
            unsafe,
            seeds,
            unsafe ? 3 : 1,
            System.out);
    boolean asPredicted = true;
    for (Trial t : trials) {
      if (t.report().verdict() != Verdict.VALID) {
        System.out.println(t.report());
      }
      asPredicted &=
          unsafe ? t.linearizability() == Verdict.INVALID : t.report().verdict() == Verdict.VALID;
    }
    System.out.flush();
    System.exit(asPredicted ? 0 : 1);
  }

  /**
   * Starts a 3-node, 1-shard lab cluster with or without unsafe local reads and runs one trial per
   * seed, each of at most {@code cycles} partitions.
   */
  public static List<Trial> run(
      Path labScript,
      Path workDir,
      boolean unsafeLocalReads,
      List<Long> seeds,
      int cycles,
      PrintStream out) {
    LabCluster.Settings settings =
        new LabCluster.Settings(
            3,
            1,
            BASE_PORT,
            ELECTION_MS_MIN,
            ELECTION_MS_MAX,
            Map.of(
                "debug.unsafe-local-reads",
                Boolean.toString(unsafeLocalReads),
                "raft.request-timeout-ms",
                Integer.toString(REQUEST_TIMEOUT_MS)),
            System.getProperty("cairn.node.java-opts", ""));
    List<Trial> trials = new ArrayList<>();
    try (LabCluster lab = LabCluster.start(labScript, workDir, settings)) {
      ShardMap map = lab.shardMap(Duration.ofSeconds(60));
      int shard = map.getShards(0).getShardId();
      int priorityNode = LeaderLocator.nodeIndex(map.getShards(0).getReplicas(0));
      for (int node = 1; node <= lab.cluster().size(); node++) {
        if (node != priorityNode) {
          lab.restartWith(
              node,
              Map.of("raft.election-timeout-ms-max", Integer.toString(FOLLOWER_ELECTION_MS_MAX)),
              Duration.ofSeconds(90));
        }
      }
      out.println(
          "shard "
              + shard
              + ": n"
              + priorityNode
              + " leads by priority (election timeout max "
              + ELECTION_MS_MAX
              + " ms); the others elect after at most "
              + FOLLOWER_ELECTION_MS_MAX
              + " ms");
      for (long seed : seeds) {
        Trial trial =
            trial(
                lab,
                map,
                shard,
                priorityNode,
                seed,
                cycles,
                workDir.resolve("history-" + seed + ".jsonl"),
                out);
        out.println("debug.unsafe-local-reads=" + unsafeLocalReads + ": " + trial);
        out.flush();
        trials.add(trial);
      }
    }
    return trials;
  }

  private static Trial trial(
      LabCluster lab,
      ShardMap map,
      int shard,
      int priorityNode,
      long seed,
      int cycles,
      Path historyFile,
      PrintStream out) {
    int nodes = lab.cluster().size();
    HistoryRecorder recorder = HistoryRecorder.withSystemClock();
    List<String> keys = WorkloadSpec.keys("t" + seed + "-k", 2);
    WorkloadSpec writers =
        new WorkloadSpec(
            nodes,
            keys,
            new OpMix(4, 0, 0, 10, 4, 0, 0),
            seed,
            Duration.ofSeconds(2),
            Duration.ofMillis(5));
    WorkloadSpec readers =
        new WorkloadSpec(
            READERS,
            keys,
            new OpMix(1, 0, 0, 0, 0, 0, 0),
            seed + 1,
            Duration.ofSeconds(1),
            Duration.ofMillis(20));
    OutcomeWatch watch = new OutcomeWatch();
    List<RetargetableSender> readerSenders = new ArrayList<>();
    List<String> cycleNotes = new ArrayList<>();
    try (Workload writing =
            new Workload(
                writers, 1, recorder, p -> watch.writes(pinned(lab, p, writers.opDeadline())));
        Workload reading =
            new Workload(
                readers,
                FIRST_READER,
                recorder,
                p -> {
                  RetargetableSender s =
                      new RetargetableSender(
                          IntStream.rangeClosed(1, nodes)
                              .mapToObj(n -> pinned(lab, n, readers.opDeadline()))
                              .toList());
                  synchronized (readerSenders) {
                    readerSenders.add(s);
                  }
                  return watch.reads(s);
                })) {
      writing.start();
      reading.start();
      for (int cycle = 1; cycle <= cycles; cycle++) {
        awaitLeader(lab, shard, priorityNode);
        retarget(readerSenders, priorityNode);
        Pacing.pause(BEFORE_CUT);
        String note = cutOff(lab, priorityNode, watch);
        cycleNotes.add("cycle " + cycle + ": " + note);
        out.println("  seed " + seed + " cycle " + cycle + ": " + note);
        out.flush();
        if (watch.readsOkAfterThatWrite() > 0) {
          break;
        }
      }
      reading.stop();
      writing.stop();
      try (OpSender finalReader =
          new ClientOpSender(lab.newClient(3_000, new java.util.Random(seed)))) {
        writing.finalReads(finalReader, FINAL_READER, Duration.ofSeconds(30));
      }
    }
    History history = recorder.finish();
    try {
      history.writeTo(historyFile);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<Outcome, Long> outcomes = new EnumMap<>(Outcome.class);
    history.operations().forEach(op -> outcomes.merge(op.outcome(), 1L, Long::sum));
    return new Trial(
        seed, cycleNotes, outcomes, CheckerSuite.standard().check(history), historyFile);
  }

  /**
   * Cuts {@code leader} off, proves the cut, holds it until the old leader must have stepped down,
   * heals and waits for a healthy cluster; returns what it saw.
   */
  private static String cutOff(LabCluster lab, int leader, OutcomeWatch watch) {
    Cut cut = Cut.isolate(lab.cluster().size(), leader);
    String proof;
    lab.network().cut(cut);
    // Marked once the rules are in force: a write acknowledged after this went through the
    // majority.
    watch.mark();
    long cutAt = System.nanoTime();
    try {
      proof = lab.proof().verify(cut, lab.cluster()::isAlive).toString();
      Pacing.pause(Duration.ofNanos(Math.max(0, cutAt + CUT_HOLD.toNanos() - System.nanoTime())));
    } finally {
      watch.close();
      lab.network().heal(cut);
    }
    lab.healAll(Duration.ofSeconds(60));
    long firstWrite = watch.firstWriteOkAfterMark();
    return "cut off leader n"
        + leader
        + " ("
        + cut
        + "; proof: "
        + proof
        + "); first write acknowledged by the"
        + " majority "
        + (firstWrite == Long.MAX_VALUE
            ? "never"
            : (firstWrite - cutAt) / 1_000_000 + " ms after the cut")
        + "; reads the old leader answered after it: "
        + watch.readsOkAfterThatWrite();
  }

  private static PinnedNodeSender pinned(LabCluster lab, int node, Duration deadline) {
    String host = lab.lab().host(node);
    return lab.pinnedSender(() -> host, deadline);
  }

  private static void retarget(List<RetargetableSender> senders, int node) {
    synchronized (senders) {
      senders.forEach(s -> s.target(node));
    }
  }

  /**
   * Waits until {@code node} leads {@code shard}; after a short wait it is made the shard's pinned
   * preferred leader ({@link LeadershipTransfer}), since the rebalancer may have given the
   * preference to another replica while it was cut off.
   */
  private static void awaitLeader(LabCluster lab, int shard, int node) {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    long askAfter = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    while (System.nanoTime() < deadline) {
      Integer leader = lab.locator().leaders().get(shard);
      if (leader != null && leader == node) {
        return;
      }
      if (leader != null && System.nanoTime() > askAfter) {
        try {
          LeadershipTransfer.transfer(lab, shard, node, Duration.ofSeconds(10));
        } catch (RuntimeException e) {
          // A follower still catching up refuses; ask again after the next pause.
        }
        askAfter = System.nanoTime() + Duration.ofSeconds(3).toNanos();
      }
      Pacing.pause(Duration.ofMillis(200));
    }
    throw new IllegalStateException(
        "n"
            + node
            + " does not lead shard "
            + shard
            + " 90 s after the last cycle;"
            + " leaders now: "
            + lab.locator().leaders());
  }

  /** Creates the directory a scenario writes its histories to. */
  public static Path workDir(Path base, String name) {
    try {
      return Files.createDirectories(
          base.toAbsolutePath().resolve(name + "-" + System.currentTimeMillis()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

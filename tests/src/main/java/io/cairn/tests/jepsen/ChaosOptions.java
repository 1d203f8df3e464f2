package io.cairn.tests.jepsen;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Everything a {@link ChaosRun} is configured with. {@link #defaults(long)} suits the 2-core test
 * machine: 3 nodes, 2 shards, 5 routed client processes and 2 pinned to one node each over 6 keys,
 * all faults alone and combined for 75 s, elections after 700-1400 ms so that faults bite within
 * the run.
 *
 * @param seed drives the workload, the fault schedule and every random target choice
 * @param duration how long faults are injected (healing and checking come on top)
 * @param faults which faults the schedule may use
 * @param combine whether every second episode pairs a network fault with a process fault
 * @param nodes 3 or 5
 * @param shards data shards (Raft groups besides the meta group)
 * @param processes concurrent client processes of the workload that route through the smart client
 *     (to each key's shard leader)
 * @param nonLeaderProcesses further processes, each sending raw calls through one fixed node, so
 *     most of their operations reach a node that does not lead the key's shard and must forward
 *     them
 * @param keys how many keys they all share
 * @param diskMb the size of each node's own ext4 filesystem for its data directory, made only when
 *     the faults include {@link Fault#DISK_FULL} (other runs keep their data on the run directory's
 *     filesystem)
 * @param electionTimeoutMsMin node config raft.election-timeout-ms-min
 * @param electionTimeoutMsMax node config raft.election-timeout-ms-max
 * @param basePort raft port; client, HTTP and peer ports follow it (the same on every node address)
 * @param workDir runs go to sub-directories {@code seed-<seed>-<time>} of it
 * @param labScript scripts/netns.sh
 * @param spares lab nodes beyond {@code nodes} that are not started with the cluster and can join
 *     it during the run ({@link Fault#ADD_NODE}, {@link Fault#REPLACE_NODE})
 * @param script when not empty, the run's faults in this order, one per episode ({@link
 *     FaultPlan#scripted}), instead of a seeded schedule
 * @param security how the client port is secured and what the run's callers present there ({@link
 *     LabSecurity}); by default {@link LabSecurity.Mode#AUTH}, the production configuration
 */
public record ChaosOptions(
    long seed,
    Duration duration,
    Set<Fault> faults,
    boolean combine,
    int nodes,
    int shards,
    int processes,
    int nonLeaderProcesses,
    int keys,
    int diskMb,
    int electionTimeoutMsMin,
    int electionTimeoutMsMax,
    int basePort,
    Path workDir,
    Path labScript,
    int spares,
    List<Fault> script,
    LabSecurity.Mode security) {

  public ChaosOptions {
    faults = Set.copyOf(faults);
    script = List.copyOf(script);
    java.util.Objects.requireNonNull(security, "security");
    if (spares < 0 || spares > 8) {
      throw new IllegalArgumentException("spares must be 0..8, got " + spares);
    }
    if (nodes != 3 && nodes != 5) {
      throw new IllegalArgumentException("nodes must be 3 or 5, got " + nodes);
    }
    if (shards < 1 || shards > 8) {
      throw new IllegalArgumentException("shards must be 1..8, got " + shards);
    }
    if (processes < 1 || processes > 16 || keys < 1 || keys > 64) {
      throw new IllegalArgumentException("processes must be 1..16 and keys 1..64");
    }
    if (nonLeaderProcesses < 0 || nonLeaderProcesses > 16) {
      throw new IllegalArgumentException(
          "non-leader processes must be 0..16, got " + nonLeaderProcesses);
    }
    if (diskMb < DISK_MB_MIN || diskMb > DISK_MB_MAX) {
      throw new IllegalArgumentException(
          "disk size must be " + DISK_MB_MIN + ".." + DISK_MB_MAX + " MB, got " + diskMb);
    }
    if (electionTimeoutMsMin < 100 || electionTimeoutMsMax < electionTimeoutMsMin) {
      throw new IllegalArgumentException("election timeouts must satisfy 100 <= min <= max");
    }
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("duration must be > 0");
    }
  }

  /**
   * A node's data filesystem must hold its logs, snapshots and the filler of a full-disk episode
   * with room to spare, or the node stops before the fault does.
   */
  static final int DISK_MB_MIN = 128;

  static final int DISK_MB_MAX = 65_536;

  public static ChaosOptions defaults(long seed) {
    return new ChaosOptions(
        seed,
        Duration.ofSeconds(75),
        EnumSet.allOf(Fault.class),
        true,
        3,
        2,
        5,
        2,
        6,
        1024,
        700,
        1400,
        7100,
        Path.of("tests", "target", "chaos"),
        Path.of("scripts", "netns.sh"),
        0,
        List.of(),
        LabSecurity.Mode.AUTH);
  }

  public ChaosOptions withSeed(long s) {
    return new ChaosOptions(
        s,
        duration,
        faults,
        combine,
        nodes,
        shards,
        processes,
        nonLeaderProcesses,
        keys,
        diskMb,
        electionTimeoutMsMin,
        electionTimeoutMsMax,
        basePort,
        workDir,
        labScript,
        spares,
        script,
        security);
  }

  public ChaosOptions withDuration(Duration d) {
    return new ChaosOptions(
        seed,
        d,
        faults,
        combine,
        nodes,
        shards,
        processes,
        nonLeaderProcesses,
        keys,
        diskMb,
        electionTimeoutMsMin,
        electionTimeoutMsMax,
        basePort,
        workDir,
        labScript,
        spares,
        script,
        security);
  }

  public ChaosOptions withFaults(Set<Fault> f, boolean c) {
    return new ChaosOptions(
        seed,
        duration,
        f,
        c,
        nodes,
        shards,
        processes,
        nonLeaderProcesses,
        keys,
        diskMb,
        electionTimeoutMsMin,
        electionTimeoutMsMax,
        basePort,
        workDir,
        labScript,
        spares,
        script,
        security);
  }

  public ChaosOptions withTopology(int n, int s) {
    return new ChaosOptions(
        seed,
        duration,
        faults,
        combine,
        n,
        s,
        processes,
        nonLeaderProcesses,
        keys,
        diskMb,
        electionTimeoutMsMin,
        electionTimeoutMsMax,
        basePort,
        workDir,
        labScript,
        spares,
        script,
        security);
  }

  public ChaosOptions withWorkload(int p, int k) {
    return new ChaosOptions(
        seed,
        duration,
        faults,
        combine,
        nodes,
        shards,
        p,
        nonLeaderProcesses,
        k,
        diskMb,
        electionTimeoutMsMin,
        electionTimeoutMsMax,
        basePort,
        workDir,
        labScript,
        spares,
        script,
        security);
  }

  public ChaosOptions withNonLeaderProcesses(int n) {
    return new ChaosOptions(
        seed,
        duration,
        faults,
        combine,
        nodes,
        shards,
        processes,
        n,
        keys,
        diskMb,
        electionTimeoutMsMin,
        electionTimeoutMsMax,
        basePort,
        workDir,
        labScript,
        spares,
        script,
        security);
  }

  public ChaosOptions withDiskMb(int mb) {
    return new ChaosOptions(
        seed,
        duration,
        faults,
        combine,
        nodes,
        shards,
        processes,
        nonLeaderProcesses,
        keys,
        mb,
        electionTimeoutMsMin,
        electionTimeoutMsMax,
        basePort,
        workDir,
        labScript,
        spares,
        script,
        security);
  }

  /**
   * Whether the nodes' data directories go on small filesystems of their own ({@link SmallDisk}).
   */
  public boolean smallDisks() {
    return faults.contains(Fault.DISK_FULL);
  }

  public ChaosOptions withElectionTimeouts(int min, int max) {
    return new ChaosOptions(
        seed,
        duration,
        faults,
        combine,
        nodes,
        shards,
        processes,
        nonLeaderProcesses,
        keys,
        diskMb,
        min,
        max,
        basePort,
        workDir,
        labScript,
        spares,
        script,
        security);
  }

  public ChaosOptions withPaths(Path work, Path labScriptPath) {
    return new ChaosOptions(
        seed,
        duration,
        faults,
        combine,
        nodes,
        shards,
        processes,
        nonLeaderProcesses,
        keys,
        diskMb,
        electionTimeoutMsMin,
        electionTimeoutMsMax,
        basePort,
        work,
        labScriptPath,
        spares,
        script,
        security);
  }

  /**
   * With {@code spares} more nodes in the lab that can join during the run, and, when {@code
   * script} is not empty, that exact sequence of faults, one per episode, instead of a seeded
   * schedule from {@link #faults}.
   */
  public ChaosOptions withMembership(int spareNodes, List<Fault> scripted) {
    return new ChaosOptions(
        seed,
        duration,
        scripted.isEmpty() ? faults : java.util.EnumSet.copyOf(scripted),
        combine,
        nodes,
        shards,
        processes,
        nonLeaderProcesses,
        keys,
        diskMb,
        electionTimeoutMsMin,
        electionTimeoutMsMax,
        basePort,
        workDir,
        labScript,
        spareNodes,
        scripted,
        security);
  }

  /**
   * Why this scripted plan cannot run, or null: it adds or replaces more nodes than the lab has
   * spares (every such episode would be skipped, and the run would pass having done nothing).
   */
  public String planProblem() {
    long joins =
        script.stream().filter(f -> f == Fault.ADD_NODE || f == Fault.REPLACE_NODE).count();
    return joins <= spares
        ? null
        : "the plan adds or replaces "
            + joins
            + " node(s) but the lab has "
            + spares
            + " spare(s); give --spares "
            + joins;
  }

  public ChaosOptions withSecurity(LabSecurity.Mode mode) {
    return new ChaosOptions(
        seed,
        duration,
        faults,
        combine,
        nodes,
        shards,
        processes,
        nonLeaderProcesses,
        keys,
        diskMb,
        electionTimeoutMsMin,
        electionTimeoutMsMax,
        basePort,
        workDir,
        labScript,
        spares,
        script,
        mode);
  }

  /** The command line that replays this run. */
  public String replayCommand() {
    return "scripts/chaos.sh --seed "
        + seed
        + " --duration "
        + duration.toSeconds()
        + " --faults "
        + String.join(
            ",",
            faults.stream().sorted().map(f -> f.name().toLowerCase(java.util.Locale.ROOT)).toList())
        + (combine ? "" : " --no-combine")
        + (nonLeaderProcesses == defaults(seed).nonLeaderProcesses()
            ? ""
            : " --non-leader-processes " + nonLeaderProcesses)
        + (smallDisks() && diskMb != defaults(seed).diskMb() ? " --disk-mb " + diskMb : "")
        + " --nodes "
        + nodes
        + " --shards "
        + shards
        + (spares == 0 ? "" : " --spares " + spares)
        + (script.isEmpty()
            ? ""
            : " --plan "
                + String.join(
                    ",",
                    script.stream().map(f -> f.name().toLowerCase(java.util.Locale.ROOT)).toList()))
        + (security == defaults(seed).security() ? "" : " --security " + security.flag());
  }
}

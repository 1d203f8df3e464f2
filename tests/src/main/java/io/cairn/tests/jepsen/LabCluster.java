package io.cairn.tests.jepsen;

import io.cairn.client.CairnClient;
import io.cairn.client.ClientConfig;
import io.cairn.proto.ClusterStatus;
import io.cairn.proto.KeyRing;
import io.cairn.proto.NodeState;
import io.cairn.proto.ShardMap;
import io.cairn.statemachine.ShardMaps;
import io.cairn.tests.cluster.ProcessCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * A Cairn cluster of real node processes, one per network namespace of a {@link NetnsLab}, with the
 * network faults, partition proof and leader lookup that act on it. The composition root of a chaos
 * run and of the broken-read proof.
 *
 * <p>With {@code spares > 0} the lab has that many more namespaces whose nodes are not started with
 * the cluster: {@link #join} starts one that adds itself to the running cluster, {@link #retire}
 * stops a member for good once the cluster has removed it. The members (started and not retired)
 * are what "the whole cluster" means to {@link #awaitWhole} and {@link #healAll}.
 *
 * <p>With {@code diskMb > 0} each node's data directory is a small ext4 filesystem of its own
 * ({@link SmallDisk}, an image file next to it), mounted before the node first starts, so a fault
 * can fill one node's disk.
 *
 * <p>{@link #start} checks the machine first (root, tools) and fails with what is missing. {@link
 * #close()} always leaves the machine clean, also after a failure half-way: clients closed, every
 * node process killed, every small disk unmounted and its image deleted, every rule and qdisc
 * removed, the lab torn down; its problems are thrown after everything was attempted.
 */
public final class LabCluster implements AutoCloseable {

  /**
   * Config for every node in addition to what {@link ProcessCluster} sets; {@code extraJavaOpts}
   * are appended to the nodes' JVM options (e.g. a log level), empty for none; {@code diskMb} is
   * the size of each node's own data filesystem, 0 for none (data on the work directory's).
   */
  public record Settings(
      int nodes,
      int shards,
      int basePort,
      int electionTimeoutMsMin,
      int electionTimeoutMsMax,
      Map<String, String> extraConfig,
      String extraJavaOpts,
      int diskMb,
      int spares,
      LabSecurity.Mode security) {
    public Settings {
      extraConfig = Map.copyOf(extraConfig);
      java.util.Objects.requireNonNull(security, "security");
      if (diskMb < 0) {
        throw new IllegalArgumentException("diskMb must be >= 0, got " + diskMb);
      }
      if (spares < 0) {
        throw new IllegalArgumentException("spares must be >= 0, got " + spares);
      }
    }

    /** Without small disks or spare nodes. */
    public Settings(
        int nodes,
        int shards,
        int basePort,
        int electionTimeoutMsMin,
        int electionTimeoutMsMax,
        Map<String, String> extraConfig,
        String extraJavaOpts) {
      this(
          nodes,
          shards,
          basePort,
          electionTimeoutMsMin,
          electionTimeoutMsMax,
          extraConfig,
          extraJavaOpts,
          0,
          0,
          LabSecurity.Mode.PLAIN);
    }
  }

  /** The nodes' JVM options; ProcessCluster's defaults, which suit the 2-core machine. */
  private static final String NODE_JAVA_OPTS =
      "-Xms64m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1";

  private static final Duration START_MAX = Duration.ofSeconds(120);

  private final NetnsLab lab;
  private final ProcessCluster cluster;
  private final Map<Integer, SmallDisk> disks;
  private final Map<Integer, Map<String, String>> nodeOverrides;
  private final NetworkFaults network;
  private final PartitionProof proof;
  private final CairnClient control;
  private final LabSecurity security;
  private final LeaderLocator locator;
  // Nodes that should be running: the seeds, then joined spares, less retired nodes.
  private final java.util.NavigableSet<Integer> members =
      new java.util.concurrent.ConcurrentSkipListSet<>();
  // Nodes the cluster removed: they never run again.
  private final java.util.Set<Integer> retired = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private LabCluster(
      NetnsLab lab,
      ProcessCluster cluster,
      Map<Integer, SmallDisk> disks,
      Map<Integer, Map<String, String>> nodeOverrides,
      int raftPort,
      CairnClient control,
      LabSecurity security) {
    this.lab = lab;
    this.cluster = cluster;
    this.disks = disks;
    this.nodeOverrides = nodeOverrides;
    this.network = new NetworkFaults(lab);
    this.proof =
        new PartitionProof(
            new ReachabilityProbe(lab::commandPrefix, Duration.ofSeconds(2)),
            lab::host,
            raftPort,
            cluster.size());
    this.control = control;
    this.security = security;
    this.locator = new LeaderLocator(control, Duration.ofSeconds(3));
    for (int node = 1; node <= cluster.seeds(); node++) {
      members.add(node);
    }
    // A joined node that lost its disk joins again through a member still in the cluster.
    cluster.rejoinThrough(
        node ->
            members.stream()
                .filter(m -> m != node && cluster.isAlive(m))
                .findFirst()
                .orElse(members.first()));
  }

  /** Builds the lab, starts the nodes in it and waits until every node is healthy. */
  public static LabCluster start(Path labScript, Path workDir, Settings settings) {
    List<String> problems = new ArrayList<>(NetnsLab.preflight(labScript));
    if (settings.diskMb() > 0) {
      problems.addAll(SmallDisk.preflight());
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          "cannot build the network lab on this machine:\n  - " + String.join("\n  - ", problems));
    }
    int slots = settings.nodes() + settings.spares();
    NetnsLab lab = NetnsLab.up(labScript, slots);
    ProcessCluster cluster = null;
    Map<Integer, SmallDisk> disks = new java.util.TreeMap<>();
    Map<Integer, Map<String, String>> overrides = new java.util.concurrent.ConcurrentHashMap<>();
    try {
      ProcessCluster.Builder b =
          ProcessCluster.builder(workDir)
              .nodes(slots)
              .seeds(settings.nodes())
              .shards(settings.shards())
              .basePort(settings.basePort())
              .hosts(lab::host)
              .commandPrefix(node -> commandPrefix(lab, overrides, node))
              .config(
                  "raft.election-timeout-ms-min", Integer.toString(settings.electionTimeoutMsMin()))
              .config(
                  "raft.election-timeout-ms-max",
                  Integer.toString(settings.electionTimeoutMsMax()));
      LabSecurity security = LabSecurity.prepare(settings.security(), workDir);
      security.nodeConfig().forEach(b::config);
      settings.extraConfig().forEach(b::config);
      nodeConfigFromProperty().forEach(b::config);
      if (!settings.extraJavaOpts().isBlank()) {
        b.javaOpts(NODE_JAVA_OPTS + " " + settings.extraJavaOpts().strip());
      }
      cluster = b.build();
      for (int node = 1; node <= slots && settings.diskMb() > 0; node++) {
        disks.put(node, SmallDisk.mount(cluster.dataDir(node), settings.diskMb()));
      }
      for (int node = 1; node <= settings.nodes(); node++) {
        cluster.start(node);
      }
      security.issueOperator(cluster.certificatesDir());
      CairnClient control =
          CairnClient.connect(
              clientConfig(cluster.endpoints(), new Random(0))
                  .requestTimeoutMs(5_000)
                  .channelFactory(security.operatorChannels())
                  .build());
      LabCluster started =
          new LabCluster(
              lab, cluster, Map.copyOf(disks), overrides, settings.basePort(), control, security);
      started.awaitWhole(START_MAX);
      security.grantWorkload(control);
      return started;
    } catch (RuntimeException e) {
      closeQuietly(cluster, disks, lab, e);
      throw e;
    }
  }

  /** The system property through which a whole chaos suite runs with other node config. */
  public static final String NODE_CONFIG_PROPERTY = "cairn.lab.node-config";

  /**
   * Node config from {@link #NODE_CONFIG_PROPERTY}, {@code key=value,key=value} (scripts/chaos.sh
   * passes CHAOS_NODE_CONFIG): e.g. the suite with read leases on. Keys and values are plain
   * tokens.
   */
  static Map<String, String> nodeConfigFromProperty() {
    String raw = System.getProperty(NODE_CONFIG_PROPERTY, "").strip();
    Map<String, String> out = new java.util.LinkedHashMap<>();
    if (raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split(",")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? "" : pair.substring(0, eq).strip();
      String value = eq < 0 ? "" : pair.substring(eq + 1).strip();
      if (!key.matches("[A-Za-z0-9._-]+") || !value.matches("[A-Za-z0-9._-]+")) {
        throw new IllegalArgumentException(
            NODE_CONFIG_PROPERTY
                + ": '"
                + pair
                + "' is not key=value with plain tokens (letters, digits, . - _)");
      }
      out.put(key, value);
    }
    return out;
  }

  /**
   * The lab's prefix for {@code node}, plus - when the node has config overrides - a bash wrapper
   * that appends {@code --set key=value} for each to the node's command line (ProcessCluster writes
   * one config for all nodes; a scenario may need one node to differ).
   */
  private static List<String> commandPrefix(
      NetnsLab lab, Map<Integer, Map<String, String>> overrides, int node) {
    Map<String, String> own = overrides.getOrDefault(node, Map.of());
    List<String> prefix = new ArrayList<>(lab.commandPrefix(node));
    if (!own.isEmpty()) {
      StringBuilder script = new StringBuilder("exec \"$@\"");
      own.forEach((k, v) -> script.append(" --set ").append(k).append('=').append(v));
      prefix.addAll(List.of("bash", "-c", script.toString(), "cairn-node"));
    }
    return prefix;
  }

  /**
   * Stops {@code node} gracefully and starts it again with {@code overrides} on top of the common
   * config, waiting until it is healthy. Keys and values are plain tokens (letters, digits, . - _).
   */
  public void restartWith(int node, Map<String, String> overrides, Duration healthyWithin) {
    overrides.forEach(
        (k, v) -> {
          if (!(k + v).matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException(
                "config override " + k + "=" + v + " is not a plain token");
          }
        });
    cluster.stop(node);
    nodeOverrides.put(node, Map.copyOf(overrides));
    cluster.start(node);
    awaitWhole(healthyWithin);
  }

  private static void closeQuietly(
      ProcessCluster cluster, Map<Integer, SmallDisk> disks, NetnsLab lab, RuntimeException cause) {
    List<RuntimeException> problems = new ArrayList<>();
    if (cluster != null) {
      runCollecting(problems, cluster::close);
    }
    // After the nodes: a node still writing there would keep the filesystem busy.
    disks.values().forEach(d -> runCollecting(problems, d::close));
    runCollecting(problems, lab::close);
    problems.forEach(cause::addSuppressed);
  }

  /**
   * The client settings of the chaos suite: short attempts so that a dead or cut-off leader costs
   * little, and a whole-operation deadline callers pick (INFO rather than a hang).
   */
  public static ClientConfig.Builder clientConfig(List<String> endpoints, Random random) {
    return ClientConfig.builder()
        .endpoints(endpoints)
        .attemptTimeoutMsMax(1_000)
        .retryBackoffMs(20, 200)
        .random(random);
  }

  /** A new client on every node (its own session and write ids). */
  public CairnClient newClient(long requestTimeoutMs, Random random) {
    return CairnClient.connect(
        clientConfig(cluster.endpoints(), random)
            .requestTimeoutMs(requestTimeoutMs)
            .channelFactory(security.workloadChannels())
            .build());
  }

  /**
   * A sender of raw calls through the node {@code host} names at each call, with the lab's
   * credentials for raw callers ({@link LabSecurity}).
   */
  public PinnedNodeSender pinnedSender(
      java.util.function.Supplier<String> host, Duration deadline) {
    return new PinnedNodeSender(host, cluster.clientPort(), deadline, security.pinnedCredentials());
  }

  /** The transport options cairnctl needs to act as the lab's operator. */
  List<String> operatorCliOptions() {
    return security.cliOptions();
  }

  public ProcessCluster cluster() {
    return cluster;
  }

  /**
   * Node {@code node}'s data filesystem.
   *
   * @throws IllegalStateException when the lab was started without small disks
   */
  public SmallDisk disk(int node) {
    SmallDisk disk = disks.get(node);
    if (disk == null) {
      throw new IllegalStateException(
          "n" + node + " has no small disk of its own; start the lab with Settings.diskMb > 0");
    }
    return disk;
  }

  public NetnsLab lab() {
    return lab;
  }

  public NetworkFaults network() {
    return network;
  }

  public PartitionProof proof() {
    return proof;
  }

  LeaderLocator locator() {
    return locator;
  }

  /**
   * Waits until the cluster is whole: every node runs, every node holding a replica reports healthy
   * (each of its replicas knows its leader), and a node holding none answers on its client port. A
   * node's /health is 503 while it holds no replica (5 nodes with few shards leave one empty), so
   * {@link ProcessCluster#awaitHealthy} would wait forever for it.
   *
   * @throws IllegalStateException with the nodes' log tails if a node exited or time ran out
   */
  public void awaitWhole(Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    ReachabilityProbe root = new ReachabilityProbe(lab::commandPrefix, Duration.ofSeconds(1));
    while (true) {
      java.util.Set<Integer> holders = replicaHolders();
      List<String> missing = new ArrayList<>();
      if (holders == null) {
        missing.add("no shard map to be had from the meta group");
      } else {
        for (int node : members) {
          if (!cluster.isAlive(node)) {
            throw new IllegalStateException(
                "n" + node + " is not running; log tail:\n" + cluster.tail(node, 40));
          }
          String why = whyNotWhole(node, holders, root);
          if (why != null) {
            missing.add(why);
          }
        }
      }
      if (missing.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        // The first line names what is missing: a suite's summary shows only that line.
        StringBuilder sb =
            new StringBuilder(
                "cluster not whole within "
                    + within
                    + " (replica holders "
                    + holders
                    + "; "
                    + String.join("; ", missing)
                    + "):");
        for (int node : members) {
          sb.append("\n--- n")
              .append(node)
              .append(" health: ")
              .append(cluster.healthAnswer(node))
              .append(", log tail:\n")
              .append(cluster.tail(node, 15));
        }
        throw new IllegalStateException(sb.toString());
      }
      Pacing.pause(Duration.ofMillis(300));
    }
  }

  /**
   * Why {@code node} is not whole, or null if it is: a node holding a replica must answer /health
   * with 200, one holding none must accept connections on its client port.
   */
  private String whyNotWhole(int node, java.util.Set<Integer> holders, ReachabilityProbe root) {
    if (holders.contains(node)) {
      String answer = cluster.healthAnswer(node);
      return answer.startsWith("200 ") ? null : "n" + node + " /health " + answer;
    }
    return root.canConnectFromRoot(lab.host(node), cluster.clientPort())
        ? null
        : "n" + node + " holds no replica and its client port does not answer";
  }

  /**
   * The nodes holding a replica of some shard or of the meta group; null if no map is to be had.
   */
  private java.util.Set<Integer> replicaHolders() {
    try {
      ShardMap map = control.shardMap().get(3, TimeUnit.SECONDS);
      java.util.Set<Integer> holders = new java.util.HashSet<>();
      map.getShardsList()
          .forEach(
              s -> s.getReplicasList().forEach(id -> holders.add(LeaderLocator.nodeIndex(id))));
      map.getMeta().getReplicasList().forEach(id -> holders.add(LeaderLocator.nodeIndex(id)));
      return holders;
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the cluster", e);
      }
      return null;
    }
  }

  /**
   * Sets a node's membership state, retried until the cluster takes it (at most {@code within}).
   *
   * @throws LivenessViolation if it did not: a membership change must commit once faults heal
   */
  public ShardMap setNodeState(String nodeId, NodeState state, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      try {
        return control.setNodeState(nodeId, state).get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while changing membership", e);
        }
        if (System.nanoTime() > deadline) {
          throw new LivenessViolation(
              "setting " + nodeId + " " + state + " did not commit within " + within + ": " + e);
        }
        Pacing.pause(Duration.ofMillis(500));
      }
    }
  }

  /**
   * Waits until no replica move is in progress and no node is draining, as the cluster's map says.
   *
   * @throws LivenessViolation if moves were still in progress after {@code within} (the faults are
   *     healed: a move must finish or be cancelled)
   */
  public void awaitPlacementSettled(Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    ShardMap map = null;
    while (true) {
      try {
        map = control.shardMap().get(5, TimeUnit.SECONDS);
        if (!anyMoving(map)) {
          return;
        }
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for placement", e);
        }
      }
      if (System.nanoTime() > deadline) {
        throw new LivenessViolation(
            "replica moves still in progress "
                + within
                + " after the faults healed; last map: "
                + (map == null ? "none" : map.toString().replace('\n', ' ')));
      }
      Pacing.pause(Duration.ofMillis(500));
    }
  }

  /** Whether the map shows a move in progress in any group, the meta group included. */
  static boolean anyMoving(ShardMap map) {
    return map.getShardsList().stream().anyMatch(ShardMaps::moving)
        || ShardMaps.moving(map.getMeta());
  }

  /** The nodes that should be running now (seeds and joined spares, less retired nodes). */
  public java.util.SortedSet<Integer> members() {
    return java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(members));
  }

  public boolean isMember(int node) {
    return members.contains(node);
  }

  /** Spares that never ran, lowest first; each can join once. */
  public List<Integer> spares() {
    List<Integer> spares = new ArrayList<>();
    for (int node = cluster.seeds() + 1; node <= cluster.size(); node++) {
      if (!retired.contains(node) && !members.contains(node)) {
        spares.add(node);
      }
    }
    return spares;
  }

  /** The client endpoints of the members, for cairnctl. */
  public List<String> memberEndpoints() {
    return members.stream().map(cluster::endpoint).toList();
  }

  /**
   * Starts spare {@code node}, which adds itself to the cluster through member {@code via}; from
   * now on it is a member. Does not wait: the join is a map change that needs the meta group.
   */
  public void join(int node, int via) {
    if (!spares().contains(node)) {
      throw new IllegalArgumentException("n" + node + " is not a spare that can join");
    }
    cluster.startJoining(node, via);
    members.add(node);
  }

  /**
   * Takes {@code node} out of the members for good and stops it if it runs (gracefully): the
   * cluster has removed it, and a removed id can never join again.
   */
  public void retire(int node) {
    members.remove(node);
    retired.add(node);
    cluster.stop(node);
  }

  /**
   * Polls the shard map until {@code done} holds, at most {@code within}; returns that map.
   *
   * @throws LivenessViolation naming {@code what} and the last map if it never did
   */
  public ShardMap awaitMap(
      java.util.function.Predicate<ShardMap> done, String what, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    ShardMap map = null;
    while (true) {
      try {
        map = control.shardMap().get(5, TimeUnit.SECONDS);
        if (done.test(map)) {
          return map;
        }
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for " + what, e);
        }
      }
      if (System.nanoTime() > deadline) {
        throw new LivenessViolation(
            what
                + " not seen within "
                + within
                + "; last map: "
                + (map == null ? "none" : map.toString().replace('\n', ' ')));
      }
      Pacing.pause(Duration.ofMillis(300));
    }
  }

  /** The harness's own client of the cluster, for operator calls. */
  CairnClient control() {
    return control;
  }

  /** The shard map, asked of the cluster until it answers (at most {@code within}). */
  public ShardMap shardMap(Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      try {
        return control.shardMap().get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        if (System.nanoTime() > deadline || Thread.currentThread().isInterrupted()) {
          throw new IllegalStateException("no shard map from the cluster within " + within, e);
        }
      }
    }
  }

  /**
   * Every node's replicas as one node gathers them, or null when none answered within {@code
   * timeout}.
   */
  public ClusterStatus clusterStatus(Duration timeout) {
    try {
      return control.clusterStatus().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return null;
    }
  }

  /** The shard of each key, by the cluster's ring. */
  public static int shardOf(ShardMap map, String key) {
    return KeyRing.of(map).shardFor(key.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Heals everything: removes every network fault, resumes paused nodes, starts dead ones and waits
   * until all are healthy.
   */
  public void healAll(Duration healthyWithin) {
    List<String> problems = network.clearAll();
    if (!problems.isEmpty()) {
      throw new IllegalStateException("could not clear the network faults: " + problems);
    }
    for (int node : members) {
      if (cluster.isAlive(node)) {
        cluster.signal(node, "CONT");
      } else {
        cluster.start(node);
      }
    }
    awaitWhole(healthyWithin);
  }

  @Override
  public void close() {
    List<RuntimeException> problems = new ArrayList<>();
    runCollecting(problems, control::close);
    runCollecting(problems, cluster::close);
    // After the nodes: a node still writing there would keep the filesystem busy.
    disks.values().forEach(d -> runCollecting(problems, d::close));
    runCollecting(
        problems,
        () -> {
          List<String> left = network.clearAll();
          if (!left.isEmpty()) {
            throw new IllegalStateException("network faults left behind: " + left);
          }
        });
    runCollecting(problems, lab::close);
    if (!problems.isEmpty()) {
      IllegalStateException e = new IllegalStateException("cleaning up the lab cluster failed");
      problems.forEach(e::addSuppressed);
      throw e;
    }
  }

  private static void runCollecting(List<RuntimeException> problems, Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      problems.add(e);
    }
  }
}

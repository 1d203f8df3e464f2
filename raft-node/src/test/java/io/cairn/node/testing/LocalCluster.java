package io.cairn.node.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.node.CairnNode;
import io.cairn.node.config.NodeConfig;
import io.cairn.node.config.NodeConfigLoader;
import io.cairn.node.membership.ConfPlan;
import io.cairn.node.replica.RaftHost;
import io.cairn.node.replica.ReplicaNotReadyException;
import io.cairn.node.replica.ShardStateMachine;
import io.cairn.node.runtime.FatalErrors;
import io.cairn.node.runtime.NodeClock;
import io.cairn.node.runtime.NodeRuntime;
import io.cairn.node.runtime.Scheduler;
import io.cairn.node.runtime.ThreadScheduler;
import io.cairn.proto.ClusterGrpc;
import io.cairn.proto.KvGrpc;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import io.cairn.proto.TransferLeaderRequest;
import io.cairn.proto.TransferLeaderResponse;
import io.cairn.proto.internal.PeerGrpc;
import io.cairn.statemachine.MembershipEdits;
import io.cairn.statemachine.ShardMaps;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;

/**
 * N Cairn nodes in this JVM, on real loopback sockets (free ports, 127.0.0.1), each with its own
 * data directory and {@link NodeRuntime}: the server code runs exactly as in production, Ratis and
 * gRPC included, but starts in well under a second and can be inspected and broken from the test.
 *
 * <p>What a test gets: {@link #node}, the nodes' shard leaders ({@link #leaderOf}), a raw gRPC stub
 * pinned to one node ({@link #kv}) so the test chooses which node a request goes through, {@link
 * #stop} / {@link #restart} of one node, and, per node, a clock and the fatal-error handler ({@link
 * #halted}). {@link #assertReplicasAgree} (run by {@link LocalClusterExtension} after every test)
 * waits until the replicas of every shard reach the same applied index and checks that they then
 * hold byte-for-byte the same state.
 *
 * <p>Not thread-safe: one test drives it.
 */
public final class LocalCluster implements AutoCloseable {
  /** How the cluster is built; {@link #start} builds it. */
  public static final class Builder {
    private static final int PORT_RACE_ATTEMPTS = 3;

    private int nodes = 3;
    private int shards = 1;
    private final Map<String, String> config = new LinkedHashMap<>();
    private IntFunction<NodeClock> clocks = i -> NodeClock.system();
    private boolean manualTime;
    private String clientHost = "";

    public Builder nodes(int n) {
      this.nodes = n;
      return this;
    }

    public Builder shards(int n) {
      this.shards = n;
      return this;
    }

    /** Sets a config key on every node (config/node.properties.sample). */
    public Builder config(String key, String value) {
      config.put(key, value);
      return this;
    }

    /**
     * Every node's client port binds {@code host} and the map advertises it for clients, while the
     * Raft and peer ports stay on 127.0.0.1 ({@code node.client-host}).
     */
    public Builder clientHost(String host) {
      this.clientHost = host;
      return this;
    }

    /** The clock of node {@code i} (1-based); the system clock by default. */
    public Builder clocks(IntFunction<NodeClock> clockOfNode) {
      this.clocks = clockOfNode;
      return this;
    }

    /**
     * Every node's clock and scheduler move only when the test calls {@link LocalCluster#advance}:
     * Cairn's own timers (meta-group polls, stalled-follower checks, request timeouts) then run as
     * deterministic steps on the test's thread. Ratis keeps its own real-time timers (elections,
     * heartbeats).
     */
    public Builder manualTime() {
      this.manualTime = true;
      return this;
    }

    /**
     * Starts the cluster. The ports are free when chosen but are released before the nodes bind
     * them, so another socket can take one in between ("Address already in use", seen about once in
     * a few hundred starts); such a start is retried with new ports.
     */
    public LocalCluster start() {
      for (int attempt = 1; ; attempt++) {
        LocalCluster c = new LocalCluster(this);
        try {
          c.startAll();
          return c;
        } catch (RuntimeException | Error e) {
          c.close();
          if (attempt >= PORT_RACE_ATTEMPTS || !lostAPortRace(e)) {
            throw e;
          }
        }
      }
    }

    private static boolean lostAPortRace(Throwable e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof java.net.BindException
            || String.valueOf(t.getMessage()).contains("Address already in use")) {
          return true;
        }
      }
      return false;
    }
  }

  /** One node's fixed identity (ports, data dir) and its current incarnation. */
  private final class Member {
    final int index;
    final NodeConfig config;
    final NodeClock clock;
    final ManualScheduler manualScheduler;
    CairnNode node;
    Scheduler scheduler;
    volatile String haltReason;
    ManagedChannel channel;
    ManagedChannel peerChannel;

    Member(int index, NodeConfig config, NodeClock clock, boolean manualTime) {
      this.index = index;
      this.config = config;
      if (manualTime) {
        ManualClock manual = new ManualClock(System.currentTimeMillis());
        this.clock = manual;
        this.manualScheduler = new ManualScheduler(manual);
      } else {
        this.clock = clock;
        this.manualScheduler = null;
      }
    }

    void start() {
      scheduler =
          manualScheduler != null
              ? manualScheduler.reopened()
              : new ThreadScheduler("cairn-timer-n" + index, 2);
      FatalErrors fatal =
          (reason, cause) -> {
            haltReason = reason;
            System.err.println("LocalCluster: n" + index + " halts: " + reason);
            // Like the process ending: stop this node only, from a thread of our own, since the
            // caller may be a Ratis thread that closing would wait for.
            Thread t = new Thread(this::stopQuietly, "local-cluster-halt-n" + index);
            t.setDaemon(true);
            t.start();
          };
      try {
        node = CairnNode.start(config, new NodeRuntime(clock, scheduler, fatal));
      } catch (IOException e) {
        throw new UncheckedIOException("node n" + index + " did not start", e);
      }
    }

    synchronized void stopQuietly() {
      if (channel != null) {
        channel.shutdownNow();
        channel = null;
      }
      if (peerChannel != null) {
        peerChannel.shutdownNow();
        peerChannel = null;
      }
      if (node != null) {
        node.close();
        node = null;
      }
    }

    synchronized ManagedChannel channel() {
      if (channel == null) {
        channel =
            ManagedChannelBuilder.forAddress(
                    config.node().listen().clientHost(), config.node().clientPort())
                .usePlaintext()
                .build();
      }
      return channel;
    }

    /** To the node's peer port, where the node-to-node services are. */
    synchronized ManagedChannel peerChannel() {
      if (peerChannel == null) {
        peerChannel =
            ManagedChannelBuilder.forAddress("127.0.0.1", config.node().peerPort())
                .usePlaintext()
                .build();
      }
      return peerChannel;
    }
  }

  private static final Duration SETTLE_MAX = Duration.ofSeconds(30);

  private final Path root;
  private final List<Member> members = new java.util.concurrent.CopyOnWriteArrayList<>();

  private final Builder settings;

  private LocalCluster(Builder b) {
    this.settings = b;
    try {
      root = Files.createTempDirectory("cairn-local-cluster");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<int[]> ports = new ArrayList<>();
    StringBuilder nodes = new StringBuilder();
    for (int i = 1; i <= b.nodes; i++) {
      int[] p = FreePorts.forNode();
      ports.add(p);
      nodes
          .append(i == 1 ? "" : ",")
          .append("n")
          .append(i)
          .append("@127.0.0.1:")
          .append(p[0])
          .append(':')
          .append(p[1])
          .append(':')
          .append(p[2])
          .append(':')
          .append(p[3])
          .append(b.clientHost.isEmpty() ? "" : "/" + b.clientHost);
    }
    for (int i = 1; i <= b.nodes; i++) {
      Map<String, String> c = nodeConfig(i, ports.get(i - 1));
      c.put("cluster.nodes", nodes.toString());
      c.putAll(b.config);
      members.add(new Member(i, NodeConfigLoader.fromMap(c), b.clocks.apply(i), b.manualTime));
    }
  }

  private Map<String, String> nodeConfig(int i, int[] ports) {
    Map<String, String> c = new TreeMap<>();
    c.put("node.id", "n" + i);
    c.put("node.host", "127.0.0.1");
    c.put("node.raft-port", Integer.toString(ports[0]));
    c.put("node.client-port", Integer.toString(ports[1]));
    c.put("node.http-port", Integer.toString(ports[2]));
    c.put("node.peer-port", Integer.toString(ports[3]));
    if (!settings.clientHost.isEmpty()) {
      c.put("node.client-host", settings.clientHost);
      c.put("node.client-listen-host", settings.clientHost);
    }
    c.put("node.shutdown-grace-ms", "200");
    // In-process tests talk plaintext; the process-level tests (ProcessCluster) run with mutual
    // TLS.
    c.put("peer-tls.insecure", "true");
    c.put("auth.enabled", "false");
    c.put("data.dir", root.resolve("n" + i).toString());
    c.put("cluster.id", "local");
    c.put("cluster.shards", Integer.toString(settings.shards));
    c.put("cluster.replication-factor", Integer.toString(Math.min(3, settings.nodes)));
    // Shorter than production so a test's elections take a fraction of a second; still well
    // above the pauses of a loaded 2-core machine.
    c.put("raft.election-timeout-ms-min", "300");
    c.put("raft.election-timeout-ms-max", "600");
    c.put("meta.poll-ms", "200");
    c.put("meta.retry-ms", "100");
    c.put("membership.tick-ms", "200");
    // Starts without asking whether the cluster exists (a test that wipes a node and wants the
    // lost-data path sets it); a wiped node then recovers in place (docs/operations.md).
    c.put("membership.existing-cluster-probe-ms", "0");
    return c;
  }

  /**
   * Starts a new node that joins the running cluster through node 1 (cluster.join), and returns its
   * number. It holds no replica until the rebalancer (or a test's move) gives it some.
   */
  public int addNode() {
    int i = members.size() + 1;
    Map<String, String> c = nodeConfig(i, FreePorts.forNode());
    Member via = runningMembers().findFirst().orElseThrow();
    c.put(
        "cluster.join",
        via.config.node().listen().clientHost() + ":" + via.config.node().clientPort());
    c.putAll(settings.config);
    Member m =
        new Member(i, NodeConfigLoader.fromMap(c), settings.clocks.apply(i), settings.manualTime);
    members.add(m);
    m.start();
    return i;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts (or stops) every node at once: a node's start and Ratis's graceful close mostly wait.
   */
  private void startAll() {
    members.parallelStream().forEach(Member::start);
  }

  private Member member(int i) {
    if (i < 1 || i > members.size()) {
      throw new IllegalArgumentException("no node n" + i + " in a cluster of " + members.size());
    }
    return members.get(i - 1);
  }

  /** Node {@code i} (1-based); fails if it is stopped. */
  public CairnNode node(int i) {
    CairnNode n = member(i).node;
    if (n == null) {
      throw new IllegalStateException("node n" + i + " is stopped");
    }
    return n;
  }

  public int size() {
    return members.size();
  }

  public NodeConfig config(int i) {
    return member(i).config;
  }

  public boolean isRunning(int i) {
    return member(i).node != null;
  }

  /** The reason node {@code i} halted itself (its FatalErrors), if it did. */
  public Optional<String> halted(int i) {
    return Optional.ofNullable(member(i).haltReason);
  }

  /** A blocking stub that sends every call to node {@code i} and nowhere else. */
  public KvGrpc.KvBlockingStub kv(int i) {
    return KvGrpc.newBlockingStub(member(i).channel()).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  /** An async stub pinned to node {@code i}, without a deadline. */
  /** The cluster-introspection service of node {@code i} (status, routing, digests). */
  public ClusterGrpc.ClusterBlockingStub clusterApi(int i) {
    return ClusterGrpc.newBlockingStub(member(i).channel()).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  /**
   * {@code Cluster.TransferLeader} of {@code shardId} to {@code nodeId} through node {@code
   * through}, as a client makes it: UNAVAILABLE (the meta group still bootstrapping) is retried.
   */
  public TransferLeaderResponse transferLeader(int through, int shardId, String nodeId) {
    return await("leader transfer through n" + through)
        .atMost(Duration.ofSeconds(20))
        .ignoreExceptionsMatching(
            e ->
                e instanceof StatusRuntimeException sre
                    && sre.getStatus().getCode() == Status.Code.UNAVAILABLE)
        .until(
            () ->
                clusterApi(through)
                    .transferLeader(
                        TransferLeaderRequest.newBuilder()
                            .setShardId(shardId)
                            .setNodeId(nodeId)
                            .build()),
            r -> true);
  }

  /** The node-to-node service of node {@code i}, as a peer would call it. */
  public PeerGrpc.PeerBlockingStub peerApi(int i) {
    return PeerGrpc.newBlockingStub(member(i).peerChannel())
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  /** The Kv service on node {@code i}'s peer port, as another node forwards to it. */
  public KvGrpc.KvBlockingStub kvOnPeerPort(int i) {
    return KvGrpc.newBlockingStub(member(i).peerChannel()).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  public KvGrpc.KvStub kvAsync(int i) {
    return KvGrpc.newStub(member(i).channel());
  }

  /** The newest shard map any running node has. */
  public ShardMap map() {
    return runningMembers()
        .map(m -> m.node.directory().map())
        .max(Comparator.comparingLong(ShardMap::getEpoch))
        .orElseThrow();
  }

  public ShardInfo shard(int shardId) {
    ShardMap map = map();
    if (shardId == 0) {
      return map.getMeta();
    }
    return map.getShardsList().stream()
        .filter(s -> s.getShardId() == shardId)
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no shard " + shardId));
  }

  public RaftGroupId groupOf(int shardId) {
    return RaftHost.groupIdOf(shard(shardId));
  }

  /** Node numbers of the replicas of {@code shardId} (0: the meta group), placement order. */
  public List<Integer> replicasOf(int shardId) {
    return shard(shardId).getReplicasList().stream()
        .map(id -> Integer.parseInt(id.substring(1)))
        .toList();
  }

  /**
   * Waits until {@code shardId} (0: the meta group) has a ready leader among the running nodes that
   * the other running replicas follow, and returns its node number.
   */
  public int leaderOf(int shardId) {
    RaftGroupId gid = groupOf(shardId);
    return await("a ready leader of shard " + shardId)
        .atMost(SETTLE_MAX)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> readyLeader(gid), Optional::isPresent)
        .orElseThrow();
  }

  private Optional<Integer> readyLeader(RaftGroupId gid) {
    Integer leader = null;
    for (Member m : running()) {
      if (m.node.host().isReadyLeader(gid)) {
        leader = m.index;
      }
    }
    if (leader == null) {
      return Optional.empty();
    }
    String id = "n" + leader;
    for (Member m : running()) {
      Optional<RaftServer.Division> d = m.node.host().division(gid);
      if (d.isPresent()
          && d.get().getInfo().isAlive()
          && !d.get().getInfo().isLeader()
          && !id.equals(m.node.host().leaderOf(gid).orElse(null))) {
        return Optional.empty();
      }
    }
    return Optional.of(leader);
  }

  /**
   * Waits until {@code shardId} (0: the meta group) has a ready leader whose own reconciler has
   * nothing left to do ({@link ConfPlan#next} says {@link ConfPlan.Nothing}: the voters are the
   * map's, their priorities equal, and the leader is the map's preferred replica), and returns it.
   * For a test that needs one leader for its whole length: until then, the reconciler may hand
   * leadership to the preferred replica at any moment.
   */
  public int settledLeaderOf(int shardId) {
    return await("shard " + shardId + " led by its preferred replica, nothing left to reconcile")
        .atMost(SETTLE_MAX)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> settledLeader(shardId), Optional::isPresent)
        .orElseThrow();
  }

  private Optional<Integer> settledLeader(int shardId) {
    ShardInfo group = shard(shardId);
    RaftGroupId gid = RaftHost.groupIdOf(group);
    Optional<Integer> leader = readyLeader(gid);
    if (leader.isEmpty()) {
      return leader;
    }
    String self = "n" + leader.get();
    return node(leader.get())
        .host()
        .ledConf(gid, Long.MAX_VALUE)
        .filter(
            c ->
                ConfPlan.next(group, self, c.voters(), c.stable(), c.responsive())
                    instanceof ConfPlan.Nothing)
        .map(c -> leader.get());
  }

  /** Waits until every shard and the meta group have a ready leader. */
  public void awaitLeaders() {
    leaderOf(0);
    map().getShardsList().forEach(s -> leaderOf(s.getShardId()));
  }

  /** A running node that hosts a replica of {@code shardId} but does not lead it. */
  public int followerOf(int shardId) {
    int leader = leaderOf(shardId);
    return replicasOf(shardId).stream()
        .filter(i -> i != leader && isRunning(i))
        .findFirst()
        .orElseThrow(
            () -> new IllegalStateException("shard " + shardId + " has no running follower"));
  }

  /**
   * With {@link Builder#manualTime}: moves every running node's clock forward by {@code ms},
   * running the timers that fall due, node by node, on this thread.
   */
  public void advance(long ms) {
    for (Member m : running()) {
      if (m.manualScheduler == null) {
        throw new IllegalStateException("advance() needs a cluster built with manualTime()");
      }
      m.manualScheduler.advance(ms);
    }
  }

  /** Deletes the data directory of stopped node {@code i}: a lost disk. */
  public void wipe(int i) {
    if (isRunning(i)) {
      throw new IllegalStateException("node n" + i + " is running; stop it before wiping its data");
    }
    deleteRecursively(member(i).config.dataDir());
  }

  /** Closes node {@code i} (its ports and data dir stay reserved for {@link #restart}). */
  public void stop(int i) {
    member(i).stopQuietly();
  }

  /** Starts node {@code i} again on its data dir; it must be stopped. */
  public void restart(int i) {
    Member m = member(i);
    if (m.node != null) {
      throw new IllegalStateException("node n" + i + " is running; stop it first");
    }
    m.haltReason = null;
    m.start();
  }

  private List<Member> running() {
    return runningMembers().toList();
  }

  private Stream<Member> runningMembers() {
    return members.stream().filter(m -> m.node != null);
  }

  /**
   * The map and what every running node's Raft replicas say of their group (role, term, leader,
   * applied index, configuration): for the message of a test that timed out waiting for the cluster
   * to settle, so that a failure seen once in CI says where it stuck.
   */
  public String describe() {
    StringBuilder out = new StringBuilder();
    ShardMap map = map();
    out.append("map epoch ").append(map.getEpoch()).append(", nodes ");
    map.getNodesList()
        .forEach(n -> out.append(n.getId()).append('=').append(n.getState()).append(' '));
    out.append('\n');
    for (ShardInfo g : ShardMaps.groups(map)) {
      out.append("  ").append(ShardMaps.describe(g.getShardId()));
      out.append(": replicas ").append(g.getReplicasList());
      if (ShardMaps.moving(g)) {
        out.append(", moving ").append(MembershipEdits.describe(g.getMove()));
      }
      out.append('\n');
    }
    for (Member m : running()) {
      RaftHost host = m.node.host();
      for (RaftGroupId gid : host.localGroups()) {
        host.division(gid)
            .ifPresent(
                d ->
                    out.append("  ")
                        .append(host.nodeId())
                        .append(' ')
                        .append(gid)
                        .append(": ")
                        .append(d.getInfo().getCurrentRole())
                        .append(" term ")
                        .append(d.getInfo().getCurrentTerm())
                        .append(", leader ")
                        .append(d.getInfo().getLeaderId())
                        .append(", applied ")
                        .append(d.getInfo().getLastAppliedIndex())
                        .append(", conf ")
                        .append(d.getRaftConf())
                        .append('\n'));
      }
    }
    return out.toString();
  }

  /** Node {@code i}'s metrics page (Prometheus text), as a scraper gets it. */
  public String metrics(int i) {
    var c = config(i).node();
    var request =
        java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://" + c.host() + ":" + c.httpPort() + "/metrics"))
            .build();
    try {
      return java.net.http.HttpClient.newHttpClient()
          .send(request, java.net.http.HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while scraping n" + i, e);
    }
  }

  /** A shard replica on a running node, for a test that inspects or breaks it. */
  public ShardStateMachine replica(int node, int shardId) {
    return node(node)
        .host()
        .shardReplica(groupOf(shardId))
        .orElseThrow(
            () -> new IllegalStateException("n" + node + " hosts no replica of shard " + shardId));
  }

  /**
   * The cluster invariant: waits until the live replicas of every data shard on running nodes have
   * applied the same index, then checks they hold the same state (a digest of the shard's snapshot
   * stream: keys, values, versions, sessions, applied index). Replicas listed in {@code exclude} as
   * "node:shard" (a test broke them on purpose) are skipped.
   */
  public void assertReplicasAgree(String... exclude) {
    List<String> skipped = List.of(exclude);
    for (ShardInfo s : map().getShardsList()) {
      RaftGroupId gid = RaftHost.groupIdOf(s);
      List<Member> holders =
          running().stream()
              .filter(m -> !skipped.contains(m.index + ":" + s.getShardId()))
              .filter(
                  m -> m.node.host().division(gid).map(d -> d.getInfo().isAlive()).orElse(false))
              .sorted(Comparator.comparingInt(m -> m.index))
              .toList();
      if (holders.size() < 2) {
        continue;
      }
      Map<Integer, String> last =
          await("replicas of shard " + s.getShardId() + " converge")
              .atMost(SETTLE_MAX)
              .pollInterval(Duration.ofMillis(50))
              .until(() -> digests(holders, gid), d -> d.values().stream().distinct().count() == 1);
      assertThat(last.values())
          .as("digests of shard %d by node", s.getShardId())
          .hasSize(holders.size());
    }
  }

  private static Map<Integer, String> digests(List<Member> holders, RaftGroupId gid) {
    Map<Integer, String> out = new TreeMap<>();
    for (Member m : holders) {
      ShardStateMachine sm = m.node.host().shardReplica(gid).orElse(null);
      long committed =
          m.node.host().division(gid).map(d -> d.getRaftLog().getLastCommittedIndex()).orElse(-1L);
      if (sm == null) {
        out.put(m.index, "absent");
        continue;
      }
      try {
        long applied = sm.core().appliedIndex();
        // Only a replica that applied everything it knows to be committed is comparable.
        out.put(
            m.index,
            applied < committed
                ? "applying " + applied + "/" + committed
                : applied + ":" + digest(sm));
      } catch (ReplicaNotReadyException reloading) {
        out.put(m.index, "reloading");
      }
    }
    return out;
  }

  private static String digest(ShardStateMachine sm) {
    try {
      return HexFormat.of().formatHex(sm.core().stateDigest());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    members.parallelStream().forEach(Member::stopQuietly);
    deleteRecursively(root);
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a temp dir left behind is harmless
    }
  }
}

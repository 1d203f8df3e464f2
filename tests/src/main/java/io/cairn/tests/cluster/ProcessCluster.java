package io.cairn.tests.cluster;

import io.cairn.cli.certs.CertificateAuthority;
import io.cairn.client.ClientTls;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * A real Cairn cluster of separate node processes for integration and fault tests.
 *
 * <p>Node i (1-based) runs {@code io.cairn.node.Main} in its own JVM with its own data dir and log
 * under the work dir, listening on {@link #host(int)}. By default the hosts are 127.0.0.i on
 * loopback; a fault-injection lab can supply other addresses and a command prefix (e.g. {@code ip
 * netns exec cairn-n2}) so each node gets its own network identity.
 *
 * <p>Every process this class starts is killed by {@link #close()}, also when a test fails.
 */
public final class ProcessCluster implements AutoCloseable {
  private final Path workDir;
  private final int size;
  private final int seeds;
  private final int shards;
  private final Map<String, String> extraConfig;
  private final IntFunction<String> hosts;
  private final IntFunction<List<String>> commandPrefix;
  private final String javaOpts;
  private final int raftPort;
  private final int clientPort;
  private final int httpPort;
  private final int peerPort;
  private final Process[] processes;
  private CertificateAuthority ca;
  // node -> the member it joins through (host:client-port); only nodes that are not seeds.
  private final Map<Integer, String> joinThrough = new java.util.concurrent.ConcurrentHashMap<>();
  private volatile java.util.function.IntUnaryOperator rejoinVia;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private ProcessCluster(Builder b) {
    this.workDir = b.workDir;
    this.size = b.nodes;
    this.seeds = b.seeds > 0 ? b.seeds : b.nodes;
    if (seeds > size) {
      throw new IllegalArgumentException(
          "seeds (" + seeds + ") must not exceed nodes (" + size + ")");
    }
    this.shards = b.shards;
    this.extraConfig = Map.copyOf(b.extraConfig);
    this.hosts = b.hosts;
    this.commandPrefix = b.commandPrefix;
    this.javaOpts = b.javaOpts;
    int base = b.basePort > 0 ? b.basePort : freeBasePort(size, hosts);
    this.raftPort = base;
    this.clientPort = base + 1;
    this.httpPort = base + 2;
    this.peerPort = base + 3;
    this.processes = new Process[size + 1];
  }

  public static Builder builder(Path workDir) {
    return new Builder(workDir);
  }

  /** Options of a cluster; defaults suit a 2-core machine. */
  public static final class Builder {
    private final Path workDir;
    private int nodes = 3;
    private int seeds;
    private int shards = 4;
    private int basePort;
    private final Map<String, String> extraConfig = new LinkedHashMap<>();
    private IntFunction<String> hosts = i -> "127.0.0." + i;
    private IntFunction<List<String>> commandPrefix = i -> List.of();
    // -Dcairn.node.extra-java-opts adds to every node's JVM options, e.g. a log level to debug.
    private String javaOpts =
        ("-Xms64m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "
                + System.getProperty("cairn.node.extra-java-opts", ""))
            .trim();

    private Builder(Path workDir) {
      this.workDir = workDir;
    }

    public Builder nodes(int n) {
      this.nodes = n;
      return this;
    }

    /**
     * How many of the nodes found the cluster (1..seeds, the {@code cluster.nodes} of their
     * config); the others are spares that only run once they join ({@link #startJoining}). Default:
     * all.
     */
    public Builder seeds(int s) {
      this.seeds = s;
      return this;
    }

    public Builder shards(int s) {
      this.shards = s;
      return this;
    }

    public Builder basePort(int port) {
      this.basePort = port;
      return this;
    }

    /** Adds a node config key (see config/node.properties.sample). */
    public Builder config(String key, String value) {
      extraConfig.put(key, value);
      return this;
    }

    public Builder hosts(IntFunction<String> hosts) {
      this.hosts = hosts;
      return this;
    }

    public Builder commandPrefix(IntFunction<List<String>> prefix) {
      this.commandPrefix = prefix;
      return this;
    }

    public Builder javaOpts(String opts) {
      this.javaOpts = opts;
      return this;
    }

    /** Appends to the nodes' JVM options, e.g. a log level a test wants to read. */
    public Builder addJavaOpts(String opts) {
      this.javaOpts = (javaOpts + " " + opts).trim();
      return this;
    }

    public ProcessCluster build() {
      return new ProcessCluster(this);
    }
  }

  /** Node slots, seeds and spares. */
  public int size() {
    return size;
  }

  /** Nodes 1..seeds found the cluster; the rest can join it later. */
  public int seeds() {
    return seeds;
  }

  /** The node's id in the cluster. */
  public static String nodeId(int node) {
    return "n" + node;
  }

  /**
   * {@code HOST:RAFT_PORT:CLIENT_PORT:HTTP_PORT:PEER_PORT}, as {@code cairnctl node add} takes it.
   */
  public String address(int node) {
    return host(node) + ":" + raftPort + ":" + clientPort + ":" + httpPort + ":" + peerPort;
  }

  /** The Raft port (the same on every node). */
  public int raftPort() {
    return raftPort;
  }

  /** The port of the node-to-node services (the same on every node). */
  public int peerPort() {
    return peerPort;
  }

  public String host(int node) {
    return hosts.apply(node);
  }

  public int clientPort() {
    return clientPort;
  }

  public String endpoint(int node) {
    return host(node) + ":" + clientPort;
  }

  public List<String> endpoints() {
    return IntStream.rangeClosed(1, size).mapToObj(this::endpoint).toList();
  }

  public Path dataDir(int node) {
    return workDir.resolve("n" + node).resolve("data");
  }

  /**
   * Deletes everything in a stopped node's data directory (a lost disk); its next {@link
   * #start(int)} begins empty. The directory itself stays: it may be the mount point of the node's
   * own filesystem (the chaos suite's full-disk runs), which a new disk would be mounted on too.
   * Refuses a running node.
   */
  public void deleteData(int node) {
    if (isAlive(node)) {
      throw new IllegalStateException(
          "node " + node + " is running; stop it before deleting its data");
    }
    Path dir = dataDir(node);
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        if (!f.equals(dir)) {
          Files.delete(f);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the data of node " + node + ": " + dir, e);
    }
  }

  public Path log(int node) {
    return workDir.resolve("n" + node).resolve("node.log");
  }

  /** Starts every seed and waits until each reports every local replica has a leader. */
  public ProcessCluster start(Duration timeout) {
    for (int i = 1; i <= seeds; i++) {
      start(i);
    }
    awaitHealthy(timeout);
    return this;
  }

  /**
   * Starts spare {@code node} for the first time with {@code cluster.join} pointing at member
   * {@code via}; it adds itself to the cluster. Later {@link #start(int)}s restart it from its own
   * data.
   */
  public void startJoining(int node, int via) {
    if (node <= seeds) {
      throw new IllegalArgumentException("n" + node + " is a seed; seeds do not join");
    }
    joinThrough.put(node, host(via) + ":" + clientPort);
    start(node);
  }

  /**
   * How a joined node that starts again picks the member it would join through (it joins again only
   * if its data dir is empty: a wiped disk); by default the one it first joined through, which may
   * have left the cluster since.
   */
  public void rejoinThrough(java.util.function.IntUnaryOperator via) {
    this.rejoinVia = via;
  }

  /** Starts (or restarts) one node with its existing data. */
  public void start(int node) {
    if (node > seeds && !joinThrough.containsKey(node)) {
      throw new IllegalStateException(
          "n" + node + " is a spare that never joined; start it with startJoining");
    }
    java.util.function.IntUnaryOperator via = rejoinVia;
    if (node > seeds && via != null) {
      joinThrough.put(node, host(via.applyAsInt(node)) + ":" + clientPort);
    }
    if (isAlive(node)) {
      throw new IllegalStateException("node " + node + " is already running");
    }
    try {
      Path dir = workDir.resolve("n" + node);
      Files.createDirectories(dir);
      Path config = dir.resolve("node.properties");
      Files.writeString(config, configFor(node));
      List<String> cmd = new ArrayList<>(commandPrefix.apply(node));
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(List.of(javaOpts.split(" +")));
      cmd.addAll(
          List.of(
              "-cp",
              System.getProperty("java.class.path"),
              "io.cairn.node.Main",
              "--config",
              config.toString()));
      processes[node] =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log(node).toFile()))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start node " + node, e);
    }
  }

  private String configFor(int node) throws IOException {
    String nodes =
        IntStream.rangeClosed(1, seeds)
            .mapToObj(j -> "n" + j + "@" + address(j))
            .collect(Collectors.joining(","));
    Map<String, String> c = new LinkedHashMap<>();
    c.put("node.id", "n" + node);
    c.put("node.host", host(node));
    c.put("node.raft-port", Integer.toString(raftPort));
    c.put("node.client-port", Integer.toString(clientPort));
    c.put("node.http-port", Integer.toString(httpPort));
    c.put("node.peer-port", Integer.toString(peerPort));
    c.put("data.dir", dataDir(node).toString());
    c.put("cluster.id", "cairn-test");
    if (node <= seeds) {
      c.put("cluster.nodes", nodes);
      c.put("cluster.replication-factor", Integer.toString(Math.min(3, seeds)));
    } else {
      c.put("cluster.join", joinThrough.get(node));
    }
    c.put("cluster.shards", Integer.toString(shards));
    // Open unless a test turns auth on (AuthIT, the chaos suite): auth is on unless configured off.
    c.put("auth.enabled", "false");
    c.putAll(extraConfig);
    if (!"true".equals(c.get("peer-tls.insecure"))) {
      c.putAll(memberCertificate(node));
    }
    return c.entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining("\n", "", "\n"));
  }

  /**
   * Mutual TLS on the Raft port, as in production: one CA per cluster (in the work dir) and a
   * certificate per node naming its address, issued when the node first starts.
   */
  private synchronized Map<String, String> memberCertificate(int node) throws IOException {
    Path certs = workDir.resolve("certs");
    if (ca == null) {
      ca =
          Files.exists(certs.resolve("ca.pem"))
              ? CertificateAuthority.load(certs, Clock.systemUTC())
              : CertificateAuthority.create("cairn-test", Duration.ofDays(30), Clock.systemUTC());
      ca.save(certs);
    }
    String id = "n" + node;
    if (!Files.exists(certs.resolve(id + ".pem"))) {
      ca.issue(id, List.of(host(node)), Duration.ofDays(30)).save(certs, id);
    }
    return Map.of(
        "peer-tls.cert-file", certs.resolve(id + ".pem").toString(),
        "peer-tls.key-file", certs.resolve(id + ".key").toString(),
        "peer-tls.ca-file", certs.resolve("ca.pem").toString());
  }

  /**
   * A channel to node {@code node}'s peer port, as another member dials it: with a member
   * certificate of the cluster CA (plaintext when the cluster runs with peer-tls.insecure=true).
   * The caller shuts it down.
   */
  public ManagedChannel memberChannel(int node) throws IOException {
    if ("true".equals(extraConfig.get("peer-tls.insecure"))) {
      return NettyChannelBuilder.forAddress(host(node), peerPort).usePlaintext().build();
    }
    Path certs = certificatesDir();
    if (!Files.exists(certs.resolve("test-member.pem"))) {
      CertificateAuthority.load(certs, Clock.systemUTC())
          .issue("test-member", List.of(), Duration.ofDays(1))
          .save(certs, "test-member");
    }
    ClientTls member =
        ClientTls.mutual(
            certs.resolve("ca.pem"),
            certs.resolve("test-member.pem"),
            certs.resolve("test-member.key"));
    return NettyChannelBuilder.forAddress(host(node), peerPort, member.credentials()).build();
  }

  /** The directory of the cluster's CA and member certificates (empty with peer-tls.insecure). */
  public Path certificatesDir() {
    return workDir.resolve("certs");
  }

  public boolean isAlive(int node) {
    return processes[node] != null && processes[node].isAlive();
  }

  /** The exit code of a node whose process ended, or -1 while it runs (or never ran). */
  public int exitCode(int node) {
    Process p = processes[node];
    return p == null || p.isAlive() ? -1 : p.exitValue();
  }

  public long pid(int node) {
    return processes[node].pid();
  }

  /** SIGKILL: no shutdown hook, no flush; what a power cut looks like to the process. */
  public void kill9(int node) {
    Process p = processes[node];
    if (p != null) {
      p.destroyForcibly();
      waitFor(p, node);
    }
  }

  /** SIGTERM and wait for the graceful shutdown. */
  public void stop(int node) {
    Process p = processes[node];
    if (p != null && p.isAlive()) {
      p.destroy();
      try {
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      waitFor(p, node);
    }
  }

  private static void waitFor(Process p, int node) {
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("node " + node + " (pid " + p.pid() + ") did not exit");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Sends SIGSTOP / SIGCONT to a node. */
  public void signal(int node, String signal) {
    try {
      Process k =
          new ProcessBuilder("kill", "-" + signal, Long.toString(pid(node))).inheritIO().start();
      if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) {
        throw new IllegalStateException("kill -" + signal + " " + pid(node) + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The body of a node's /health, or null if it did not answer 200. */
  public String health(int node) {
    try {
      HttpResponse<String> r = askHealth(node);
      return r.statusCode() == 200 ? r.body() : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** A node's /health answer as "status body", or why there was none; for failure messages. */
  public String healthAnswer(int node) {
    try {
      HttpResponse<String> r = askHealth(node);
      return r.statusCode() + " " + r.body().strip();
    } catch (IOException e) {
      return "no answer (" + e + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "no answer (interrupted)";
    }
  }

  private HttpResponse<String> askHealth(int node) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://" + host(node) + ":" + httpPort + "/health"))
            .timeout(Duration.ofSeconds(2))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The Prometheus text of a node's /metrics. */
  public String metrics(int node) {
    try {
      return http.send(
              HttpRequest.newBuilder(
                      URI.create("http://" + host(node) + ":" + httpPort + "/metrics"))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Waits until every running node is healthy; fails with the nodes' log tails otherwise. */
  public void awaitHealthy(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      boolean all = true;
      for (int i = 1; i <= size; i++) {
        if (processes[i] != null && !processes[i].isAlive()) {
          throw new IllegalStateException(
              "node "
                  + i
                  + " exited with "
                  + processes[i].exitValue()
                  + "; log tail:\n"
                  + tail(i, 40));
        }
        all &= processes[i] == null || health(i) != null;
      }
      if (all) {
        return;
      }
      if (System.nanoTime() > deadline) {
        StringBuilder sb = new StringBuilder("cluster not healthy within " + timeout + ":");
        for (int i = 1; i <= size; i++) {
          sb.append("\n--- node ").append(i).append(" log tail:\n").append(tail(i, 15));
        }
        throw new IllegalStateException(sb.toString());
      }
      pause(Duration.ofMillis(200));
    }
  }

  /** Last lines of a node's log, for failure messages. */
  /** The last {@code lines} lines of node {@code node}'s log that contain {@code text}. */
  public String tailContaining(int node, int lines, String text) {
    try {
      List<String> all =
          Files.readAllLines(log(node)).stream().filter(l -> l.contains(text)).toList();
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  public String tail(int node, int lines) {
    try {
      List<String> all = Files.readAllLines(log(node));
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** Polling interval helper for wait loops that check a condition with a deadline. */
  private static void pause(Duration d) {
    try {
      TimeUnit.MILLISECONDS.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the cluster", e);
    }
  }

  @Override
  public void close() {
    for (int i = 1; i <= size; i++) {
      Process p = processes[i];
      if (p != null && p.isAlive()) {
        // A paused node cannot die from SIGTERM; SIGKILL works on stopped processes too.
        p.destroyForcibly();
        waitFor(p, i);
      }
    }
  }

  /**
   * Finds a port p such that p, p+1, p+2 are free on every node's address. Below Linux's ephemeral
   * range (32768 and up by default): a port found free there can be taken by an outgoing connection
   * before the node binds it, which failed a node's start in CI ("Address already in use" on its
   * HTTP port).
   */
  static int freeBasePort(int nodes, IntFunction<String> hosts) {
    Random random = new Random();
    for (int attempt = 0; attempt < 200; attempt++) {
      // Five ports per base: Raft, client, HTTP, peer, and the Raft link port (Raft + 4).
      int base = 20_000 + 5 * random.nextInt(3_360);
      if (allFree(base, nodes, hosts)) {
        return base;
      }
    }
    throw new IllegalStateException("no five free ports in a row found on the node addresses");
  }

  private static boolean allFree(int base, int nodes, IntFunction<String> hosts) {
    for (int i = 1; i <= nodes; i++) {
      for (int p = base; p < base + 5; p++) {
        try (ServerSocket s = new ServerSocket()) {
          s.bind(new InetSocketAddress(hosts.apply(i), p));
        } catch (IOException e) {
          return false;
        }
      }
    }
    return true;
  }
}

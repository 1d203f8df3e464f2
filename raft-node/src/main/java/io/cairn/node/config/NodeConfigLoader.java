package io.cairn.node.config;

import io.cairn.proto.NodeInfo;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads a {@link NodeConfig} from, in rising precedence: a properties file, {@code CAIRN_*}
 * environment variables (for containers), and {@code key=value} overrides from the command line.
 *
 * <p>Unknown keys are an error (a typo must not silently fall back to a default). Defaults live in
 * {@link #DEFAULTS} and nowhere else; {@code config/node.properties.sample} documents them. An
 * environment variable names a key in upper case with {@code .} and {@code -} as {@code _}: {@code
 * CAIRN_NODE_ID} sets {@code node.id}, {@code CAIRN_RAFT_ELECTION_TIMEOUT_MS_MIN} sets {@code
 * raft.election-timeout-ms-min}.
 */
public final class NodeConfigLoader {
  static final String ENV_PREFIX = "CAIRN_";

  /** Every accepted key with its default ({@code null}: required). */
  public static final Map<String, String> DEFAULTS = defaults();

  private static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("node.id", null);
    d.put("node.host", "127.0.0.1");
    d.put("node.raft-port", "7000");
    d.put("node.client-port", "7001");
    d.put("node.http-port", "7002");
    d.put("node.peer-port", "7003");
    d.put("node.client-host", "");
    d.put("node.raft-listen-host", "");
    d.put("node.client-listen-host", "");
    d.put("node.http-listen-host", "");
    d.put("node.shutdown-grace-ms", "5000");
    d.put("data.dir", null);
    d.put("cluster.id", "cairn");
    d.put("cluster.nodes", null); // required unless cluster.join is set
    d.put("cluster.join", "");
    // Where a cluster starts: one shard, as many as its nodes' writes need on few machines (fuller
    // Raft entries, docs/shard-cost.md); it gains shards as it gains nodes
    // (membership.nodes-per-shard) or by hand (cairnctl shard add).
    d.put("cluster.shards", "1");
    d.put("cluster.replication-factor", "3");
    d.put("cluster.virtual-nodes-per-shard", "128");
    d.put("limits.key-bytes-max", "4096");
    d.put("limits.value-bytes-max", "1048576");
    d.put("limits.calls-per-connection-max", "1024");
    d.put("limits.sessions-per-caller-max", "1000");
    d.put("raft.election-timeout-ms-min", "300");
    d.put("raft.election-timeout-ms-max", "600");
    d.put("raft.request-timeout-ms", "3000");
    d.put("raft.snapshot-every-entries", "10000");
    // A snapshot writes the whole state: taken once the log since the last one is as large as it
    // (SnapshotSchedule), and after at most 100,000 entries, etcd's snapshot-count.
    d.put("raft.snapshot-log-percent-of-state", "100");
    d.put("raft.snapshot-entries-max", "100000");
    d.put("raft.snapshots-retained", "2");
    d.put("raft.log-segment-bytes-max", "8388608");
    d.put("raft.log-metadata-enabled", "false");
    d.put("raft.snapshot-chunk-bytes-max", "16777216");
    d.put("raft.transport", "links");
    d.put("request.timeout-ms-default", "9000");
    d.put("request.forward-timeout-ms-max", "4000");
    d.put("batch.commands-max", "256");
    d.put("batch.bytes-max", "4194304");
    d.put("batch.in-flight-max", "1");
    d.put("batch.queue-commands-max", "1024");
    d.put("batch.queue-bytes-max", "67108864");
    d.put("read.session-wait-ms-max", "2000");
    d.put("read.confirm-timeout-ms", "2000");
    d.put("read.confirm-hedge-ms", "5");
    d.put("read.lease-enabled", "false"); // rests on clock rates: on only when configured so
    d.put("cache.shard-bytes-max", "16777216");
    d.put("store.compact-file-bytes-min", "33554432");
    d.put("store.compact-file-over-snapshot-ratio", "3");
    d.put("catchup.tick-ms", "2000");
    d.put("catchup.quiet-after-caught-up-ms", "10000");
    d.put("catchup.retry-after-nudge-ms", "4000");
    d.put("catchup.report-timeout-ms", "2000");
    d.put("catchup.nudge-interval-ms", "3000");
    d.put("meta.retry-ms", "1000");
    d.put("meta.poll-ms", "2000");
    d.put("meta.client-retries", "10");
    d.put("meta.client-retry-ms", "200");
    d.put("meta.status-peer-timeout-ms", "2000");
    d.put("membership.rebalance", "true");
    d.put("membership.tick-ms", "2000");
    d.put("membership.moves-max", "2");
    d.put("membership.down-node-timeout-ms", "1800000");
    // One shard more whenever the active nodes exceed this many per shard (docs/shard-split.md).
    d.put("membership.nodes-per-shard", "3");
    d.put("membership.join-timeout-ms", "120000");
    d.put("membership.existing-cluster-probe-ms", "3000");
    d.put("peer-tls.cert-file", "");
    d.put("peer-tls.key-file", "");
    d.put("peer-tls.ca-file", "");
    d.put("peer-tls.insecure", "false");
    d.put("client-tls.enabled", "false");
    d.put("client-tls.client-ca-file", "");
    d.put("client-tls.reload-ms", "60000");
    d.put("at-rest.key-file", "");
    d.put("at-rest.active-key-id", "0");
    d.put("auth.enabled", "true"); // off only when configured so
    d.put("auth.token-key-file", "");
    d.put("auth.token-ttl-ms", "600000");
    d.put("debug.unsafe-local-reads", "false");
    return Collections.unmodifiableMap(d);
  }

  private NodeConfigLoader() {}

  /**
   * Loads the configuration.
   *
   * @param file a properties file, or null
   * @param environment the process environment; only {@code CAIRN_*} variables that name a key are
   *     used
   * @param overrides command-line {@code key=value} pairs, which win over everything else
   */
  public static NodeConfig load(
      Path file, Map<String, String> environment, Map<String, String> overrides) {
    Map<String, String> values = new TreeMap<>();
    if (file != null) {
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(file)) {
        p.load(r);
      } catch (IOException e) {
        throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
      }
      p.stringPropertyNames().forEach(k -> values.put(k, p.getProperty(k).trim()));
    }
    values.putAll(fromEnvironment(environment));
    values.putAll(overrides);
    return fromMap(values);
  }

  /** The keys that {@code CAIRN_*} variables in {@code environment} set. */
  static Map<String, String> fromEnvironment(Map<String, String> environment) {
    Map<String, String> byVariable = new TreeMap<>();
    for (String key : DEFAULTS.keySet()) {
      byVariable.put(environmentVariable(key), key);
    }
    Map<String, String> out = new TreeMap<>();
    environment.forEach(
        (variable, value) -> {
          String key = byVariable.get(variable);
          if (key != null) {
            out.put(key, value.trim());
          }
        });
    return out;
  }

  /** The environment variable that sets {@code key}, e.g. CAIRN_NODE_ID for node.id. */
  public static String environmentVariable(String key) {
    return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  public static NodeConfig fromMap(Map<String, String> given) {
    for (String key : given.keySet()) {
      if (!DEFAULTS.containsKey(key)) {
        throw new ConfigException(
            "unknown config key '" + key + "'; known keys: " + DEFAULTS.keySet());
      }
    }
    Values v = new Values(given);
    String join = v.optional("cluster.join");
    String nodeSpec = v.optional("cluster.nodes");
    if (join.isEmpty() && nodeSpec.isEmpty()) {
      throw new ConfigException(
          "set cluster.nodes (the seed nodes of a new cluster) or cluster.join (host:client-port"
              + " of a member of a running cluster)");
    }
    if (!join.isEmpty() && !join.matches("[^:\\s]+:\\d{1,5}")) {
      throw new ConfigException(
          "cluster.join is '"
              + join
              + "'; expected host:client-port of a member, e.g. 10.0.0.1:7001");
    }
    List<NodeInfo> nodes = nodeSpec.isEmpty() ? List.of() : parseNodes(nodeSpec);
    String nodeId = v.text("node.id");
    if (join.isEmpty() && nodes.stream().noneMatch(n -> n.getId().equals(nodeId))) {
      throw new ConfigException(
          "node.id '"
              + nodeId
              + "' is not in cluster.nodes "
              + nodeSpec
              + "; a node that is not a seed joins with cluster.join");
    }
    String clientHost = v.optional("node.client-host");
    if (join.isEmpty() && !clientHost.isEmpty()) {
      String listed =
          nodes.stream()
              .filter(n -> n.getId().equals(nodeId))
              .map(NodeInfo::getClientHost)
              .findFirst()
              .orElse("");
      if (!listed.equals(clientHost)) {
        throw new ConfigException(
            "node.client-host is '"
                + clientHost
                + "' but this node's entry in cluster.nodes gives "
                + (listed.isEmpty() ? "none" : "'" + listed + "'")
                + "; the seeds' client hosts go into the shard map from cluster.nodes, so end the"
                + " entry with /"
                + clientHost);
      }
    }
    int rf = v.intIn("cluster.replication-factor", 1, 7);
    if (join.isEmpty() && rf > nodes.size()) {
      throw new ConfigException(
          "cluster.replication-factor is "
              + rf
              + " but cluster.nodes lists only "
              + nodes.size()
              + " nodes; lower the factor or add nodes");
    }
    int electionMin = v.intIn("raft.election-timeout-ms-min", 50, 60_000);
    int electionMax = v.intIn("raft.election-timeout-ms-max", 50, 60_000);
    if (electionMax <= electionMin) {
      throw new ConfigException(
          "raft.election-timeout-ms-max ("
              + electionMax
              + ") must be greater than raft.election-timeout-ms-min ("
              + electionMin
              + ")");
    }
    return new NodeConfig(
        new NodeConfig.Node(
            nodeId,
            v.text("node.host"),
            clientHost,
            v.intIn("node.raft-port", 1, 65535),
            v.intIn("node.client-port", 1, 65535),
            v.intIn("node.http-port", 1, 65535),
            v.intIn("node.peer-port", 1, 65535),
            v.intIn("node.shutdown-grace-ms", 0, 600_000),
            new NodeConfig.Listen(
                listenHost(v, "node.raft-listen-host"),
                listenHost(v, "node.client-listen-host"),
                listenHost(v, "node.http-listen-host"))),
        Path.of(v.text("data.dir")),
        new NodeConfig.Cluster(
            v.text("cluster.id"),
            nodes,
            v.intIn("cluster.shards", 1, 1024),
            rf,
            v.intIn("cluster.virtual-nodes-per-shard", 1, 4096),
            join),
        new NodeConfig.Limits(
            v.intIn("limits.key-bytes-max", 1, 65536),
            v.intIn("limits.value-bytes-max", 1, 16 << 20),
            v.intIn("limits.calls-per-connection-max", 1, 1 << 20),
            v.intIn("limits.sessions-per-caller-max", 1, 1_000_000)),
        new NodeConfig.Raft(
            electionMin,
            electionMax,
            v.intIn("raft.request-timeout-ms", 100, 600_000),
            v.intIn("raft.snapshot-every-entries", 16, Integer.MAX_VALUE),
            v.intIn("raft.snapshot-log-percent-of-state", 0, 100_000),
            v.intIn("raft.snapshot-entries-max", 16, Integer.MAX_VALUE),
            v.intIn("raft.snapshots-retained", 1, 100),
            v.intIn("raft.log-segment-bytes-max", 1 << 16, 1 << 30),
            v.bool("raft.log-metadata-enabled"),
            v.intIn("raft.snapshot-chunk-bytes-max", 1 << 10, 1 << 30),
            v.transport("raft.transport")),
        new NodeConfig.Request(
            v.intIn("request.timeout-ms-default", 1, 600_000),
            v.intIn("request.forward-timeout-ms-max", 1, 600_000)),
        new NodeConfig.Batch(
            v.intIn("batch.commands-max", 1, 65536),
            v.intIn("batch.bytes-max", 1 << 10, 1 << 30),
            v.intIn("batch.in-flight-max", 1, 64),
            v.intIn("batch.queue-commands-max", 1, 1 << 24),
            v.longIn("batch.queue-bytes-max", 1 << 10, 1L << 40)),
        new NodeConfig.Read(
            v.intIn("read.session-wait-ms-max", 0, 60_000),
            v.intIn("read.confirm-timeout-ms", 1, 600_000),
            v.intIn("read.confirm-hedge-ms", 0, 600_000),
            v.bool("read.lease-enabled")),
        new NodeConfig.Store(
            v.longIn("cache.shard-bytes-max", 0, Integer.MAX_VALUE),
            v.longIn("store.compact-file-bytes-min", 0, Long.MAX_VALUE),
            v.intIn("store.compact-file-over-snapshot-ratio", 1, 1000)),
        new NodeConfig.Catchup(
            v.intIn("catchup.tick-ms", 10, 600_000),
            v.intIn("catchup.quiet-after-caught-up-ms", 0, 3_600_000),
            v.intIn("catchup.retry-after-nudge-ms", 0, 3_600_000),
            v.intIn("catchup.report-timeout-ms", 1, 600_000),
            v.intIn("catchup.nudge-interval-ms", 0, 3_600_000)),
        new NodeConfig.Meta(
            v.intIn("meta.retry-ms", 10, 600_000),
            v.intIn("meta.poll-ms", 10, 600_000),
            v.intIn("meta.client-retries", 1, 1000),
            v.intIn("meta.client-retry-ms", 1, 60_000),
            v.intIn("meta.status-peer-timeout-ms", 1, 600_000)),
        new NodeConfig.Membership(
            v.bool("membership.rebalance"),
            v.intIn("membership.tick-ms", 10, 600_000),
            v.intIn("membership.moves-max", 1, 1000),
            v.longIn("membership.down-node-timeout-ms", 0, 365L * 24 * 3_600_000),
            v.intIn("membership.join-timeout-ms", 1_000, 3_600_000),
            v.intIn("membership.existing-cluster-probe-ms", 0, 600_000),
            v.intIn("membership.nodes-per-shard", 0, 1_000)),
        peerTls(v),
        clientTls(v, peerTls(v)),
        atRest(v),
        auth(v, clientTls(v, peerTls(v)), atRest(v)),
        new NodeConfig.Debug(v.bool("debug.unsafe-local-reads")));
  }

  /**
   * Mutual TLS on the Raft port unless {@code peer-tls.insecure=true} says otherwise: an open Raft
   * port lets anyone who reaches it write, rewrite the shard map and delete replicas, so leaving it
   * open must be a choice, never a forgotten setting.
   */
  private static NodeConfig.PeerTls peerTls(Values v) {
    boolean insecure = v.bool("peer-tls.insecure");
    String cert = v.optional("peer-tls.cert-file");
    String key = v.optional("peer-tls.key-file");
    String ca = v.optional("peer-tls.ca-file");
    if (insecure) {
      if (!cert.isEmpty() || !key.isEmpty() || !ca.isEmpty()) {
        throw new ConfigException(
            "peer-tls.insecure=true but peer-tls files are set too; remove one or the other");
      }
      return new NodeConfig.PeerTls(null, null, null, true);
    }
    if (cert.isEmpty() || key.isEmpty() || ca.isEmpty()) {
      throw new ConfigException(
          "the Raft port needs mutual TLS: set peer-tls.cert-file, peer-tls.key-file and"
              + " peer-tls.ca-file ('cairnctl certs ca' and 'cairnctl certs node' make them), or"
              + " peer-tls.insecure=true to leave the port open to anyone who can reach it");
    }
    return new NodeConfig.PeerTls(
        readable("peer-tls.cert-file", cert),
        readable("peer-tls.key-file", key),
        readable("peer-tls.ca-file", ca),
        false);
  }

  /**
   * TLS on the client port, off unless configured. It serves the node's member certificate (the one
   * of peer-tls), because nodes call each other's client ports too and check those calls against
   * the cluster CA; so it needs peer TLS.
   */
  private static NodeConfig.ClientTls clientTls(Values v, NodeConfig.PeerTls peer) {
    boolean enabled = v.bool("client-tls.enabled");
    String clientCa = v.optional("client-tls.client-ca-file");
    int reloadMs = v.intIn("client-tls.reload-ms", 100, 86_400_000);
    if (!enabled) {
      if (!clientCa.isEmpty()) {
        throw new ConfigException(
            "client-tls.client-ca-file is set but client-tls.enabled is not; set"
                + " client-tls.enabled=true to ask clients for certificates");
      }
      return new NodeConfig.ClientTls(false, null, reloadMs);
    }
    if (peer.insecure()) {
      throw new ConfigException(
          "client-tls.enabled=true needs the peer-tls files: the client port serves the node's"
              + " member certificate; remove peer-tls.insecure=true and set peer-tls.cert-file,"
              + " peer-tls.key-file and peer-tls.ca-file");
    }
    return new NodeConfig.ClientTls(
        true,
        clientCa.isEmpty() ? null : readable("client-tls.client-ca-file", clientCa),
        reloadMs);
  }

  private static NodeConfig.AtRest atRest(Values v) {
    String file = v.optional("at-rest.key-file");
    int active = v.intIn("at-rest.active-key-id", 0, 255);
    if (file.isEmpty()) {
      if (active != 0) {
        throw new ConfigException(
            "at-rest.active-key-id is set but at-rest.key-file is not; set both, or neither");
      }
      return new NodeConfig.AtRest(null, 0);
    }
    return new NodeConfig.AtRest(readable("at-rest.key-file", file), active);
  }

  /**
   * Users and roles, on unless {@code auth.enabled=false} is configured: an open client port must
   * be a decision, not an omission. On needs TLS on the client port (tokens and passwords must not
   * cross the network in clear, and a call marked forwarded is trusted only from a member, which
   * only a certificate can show) and the token key file.
   */
  private static NodeConfig.Auth auth(
      Values v, NodeConfig.ClientTls clientTls, NodeConfig.AtRest atRest) {
    boolean enabled = v.bool("auth.enabled");
    String keyFile = v.optional("auth.token-key-file");
    if (!keyFile.isEmpty()
        && atRest.keyFile() != null
        && atRest
            .keyFile()
            .toAbsolutePath()
            .normalize()
            .equals(Path.of(keyFile).toAbsolutePath().normalize())) {
      throw new ConfigException(
          "auth.token-key-file and at-rest.key-file are the same file; give tokens keys of their"
              + " own (one key must not both sign and encrypt)");
    }
    long ttlMs = v.longIn("auth.token-ttl-ms", 1_000, 7L * 24 * 3_600_000);
    if (!enabled) {
      return new NodeConfig.Auth(
          false, keyFile.isEmpty() ? null : readable("auth.token-key-file", keyFile), ttlMs);
    }
    // With auth.enabled left out, say that auth is the default and how to opt out.
    String why =
        v.isSet("auth.enabled")
            ? "auth.enabled=true needs "
            : "auth is on unless configured off (auth.enabled=true by default), and needs ";
    String optOut =
        v.isSet("auth.enabled")
            ? ""
            : "; or set auth.enabled=false to leave the client port open to every caller who"
                + " can reach it";
    if (!clientTls.enabled()) {
      throw new ConfigException(
          why
              + "client-tls.enabled=true: passwords and tokens must not cross the network in"
              + " clear (docs/security.md, \"Users and roles\")"
              + optOut);
    }
    if (keyFile.isEmpty()) {
      throw new ConfigException(
          why
              + "auth.token-key-file, the same file on every node ('cairnctl at-rest add-key"
              + " --file FILE' makes one)"
              + optOut);
    }
    return new NodeConfig.Auth(true, readable("auth.token-key-file", keyFile), ttlMs);
  }

  /** A port's bind address: as configured, else node.host (bound and advertised alike). */
  private static String listenHost(Values v, String key) {
    String host = v.optional(key);
    return host.isEmpty() ? v.text("node.host") : host;
  }

  private static Path readable(String key, String file) {
    Path p = Path.of(file);
    if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
      throw new ConfigException(key + " is '" + file + "', which is not a readable file");
    }
    return p;
  }

  /** Parses {@code id@host:raftPort:clientPort:httpPort:peerPort[/clientHost],...}. */
  static List<NodeInfo> parseNodes(String spec) {
    List<NodeInfo> nodes = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (String item : spec.split(",")) {
      String s = item.trim();
      int at = s.indexOf('@');
      int slash = at < 0 ? -1 : s.indexOf('/', at); // after the id: a '/' in an id is refused later
      String clientHost = slash < 0 ? "" : s.substring(slash + 1);
      String addresses = slash < 0 ? s : s.substring(0, slash);
      String[] parts = at < 0 ? new String[0] : addresses.substring(at + 1).split(":");
      if (at <= 0 || parts.length != 5 || (slash >= 0 && clientHost.isBlank())) {
        throw new ConfigException(
            "cluster.nodes entry '"
                + s
                + "' is malformed; expected id@host:raftPort:clientPort:httpPort:peerPort"
                + "[/clientHost], e.g. n1@10.0.0.1:7000:7001:7002:7003 or"
                + " n1@10.0.0.1:7000:7001:7002:7003/db1.example.com"
                + (parts.length == 4
                    ? " (node-to-node calls have a port of their own since 2026-12-04: add it)"
                    : ""));
      }
      String id = s.substring(0, at);
      if (!ids.add(id)) {
        throw new ConfigException("cluster.nodes lists node id '" + id + "' twice");
      }
      try {
        nodes.add(
            NodeInfo.newBuilder()
                .setId(id)
                .setHost(parts[0])
                .setRaftPort(Integer.parseInt(parts[1]))
                .setClientPort(Integer.parseInt(parts[2]))
                .setHttpPort(Integer.parseInt(parts[3]))
                .setPeerPort(Integer.parseInt(parts[4]))
                .setClientHost(clientHost)
                .build());
      } catch (NumberFormatException e) {
        throw new ConfigException(
            "cluster.nodes entry '" + s + "' has a port that is not a number");
      }
    }
    return List.copyOf(nodes);
  }

  /** The given values over the defaults, read with the key named in every error. */
  private static final class Values {
    private final Map<String, String> given;

    Values(Map<String, String> given) {
      this.given = given;
    }

    String text(String key) {
      String value = given.getOrDefault(key, DEFAULTS.get(key));
      if (value == null || value.isBlank()) {
        throw new ConfigException(
            "config key '" + key + "' is required (or set " + environmentVariable(key) + ")");
      }
      return value;
    }

    /** Whether the configuration names {@code key} (rather than leaving it to its default). */
    boolean isSet(String key) {
      return given.containsKey(key);
    }

    /** The value, or "" when it is not set. */
    String optional(String key) {
      String value = given.getOrDefault(key, DEFAULTS.get(key));
      return value == null ? "" : value.trim();
    }

    int intIn(String key, int min, int max) {
      return (int) longIn(key, min, max);
    }

    long longIn(String key, long min, long max) {
      String raw = text(key);
      long n;
      try {
        n = Long.parseLong(raw);
      } catch (NumberFormatException e) {
        throw new ConfigException(key + " is '" + raw + "'; it must be a whole number");
      }
      if (n < min || n > max) {
        throw new ConfigException(key + " is " + n + "; it must be between " + min + " and " + max);
      }
      return n;
    }

    NodeConfig.RaftTransport transport(String key) {
      String raw = text(key);
      return switch (raw) {
        case "links" -> NodeConfig.RaftTransport.LINKS;
        case "grpc" -> NodeConfig.RaftTransport.GRPC;
        default -> throw new ConfigException(key + " is '" + raw + "'; it must be links or grpc");
      };
    }

    boolean bool(String key) {
      String raw = text(key);
      if (!raw.equals("true") && !raw.equals("false")) {
        throw new ConfigException(key + " is '" + raw + "'; it must be true or false");
      }
      return Boolean.parseBoolean(raw);
    }
  }
}

package io.cairn.node.config;

import io.cairn.proto.NodeInfo;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads a {@link NodeConfig} from a properties file plus {@code key=value} overrides.
 *
 * <p>Unknown keys are an error (a typo must not silently fall back to a default). Defaults live
 * in {@link #DEFAULTS} and nowhere else; {@code config/node.properties.sample} documents them.
 */
public final class NodeConfigLoader {

  /** Every accepted key with its default ({@code null}: required). */
  public static final Map<String, String> DEFAULTS = defaults();

  private static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("node.id", null);
    d.put("node.host", "127.0.0.1");
    d.put("node.raft-port", "7000");
    d.put("node.client-port", "7001");
    d.put("node.http-port", "7002");
    d.put("data.dir", null);
    d.put("cluster.id", "cairn");
    d.put("cluster.nodes", null);
    d.put("cluster.shards", "3");
    d.put("cluster.replication-factor", "3");
    d.put("cluster.virtual-nodes-per-shard", "128");
    d.put("limits.key-bytes-max", "4096");
    d.put("limits.value-bytes-max", "1048576");
    d.put("raft.election-timeout-ms-min", "1000");
    d.put("raft.election-timeout-ms-max", "2000");
    d.put("raft.request-timeout-ms", "3000");
    d.put("raft.snapshot-every-entries", "10000");
    d.put("raft.log-segment-bytes-max", "8388608");
    d.put("raft.log-metadata-enabled", "false");
    d.put("batch.commands-max", "256");
    d.put("batch.in-flight-max", "1");
    d.put("read.session-wait-ms-max", "2000");
    d.put("cache.shard-bytes-max", "16777216");
    d.put("debug.unsafe-local-reads", "false");
    return java.util.Collections.unmodifiableMap(d);
  }

  private NodeConfigLoader() {}

  public static NodeConfig load(Path file, Map<String, String> overrides) {
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
    values.putAll(overrides);
    return fromMap(values);
  }

  public static NodeConfig fromMap(Map<String, String> given) {
    for (String key : given.keySet()) {
      if (!DEFAULTS.containsKey(key)) {
        throw new ConfigException("unknown config key '" + key + "'; known keys: " + DEFAULTS.keySet());
      }
    }
    Map<String, String> v = new LinkedHashMap<>();
    DEFAULTS.forEach((k, d) -> {
      String value = given.getOrDefault(k, d);
      if (value == null || value.isBlank()) {
        throw new ConfigException("config key '" + k + "' is required");
      }
      v.put(k, value);
    });
    List<NodeInfo> nodes = parseNodes(v.get("cluster.nodes"));
    String nodeId = v.get("node.id");
    if (nodes.stream().noneMatch(n -> n.getId().equals(nodeId))) {
      throw new ConfigException("node.id '" + nodeId + "' is not in cluster.nodes " + v.get("cluster.nodes"));
    }
    int rf = intIn(v, "cluster.replication-factor", 1, 7);
    if (rf > nodes.size()) {
      throw new ConfigException("cluster.replication-factor is " + rf + " but cluster.nodes lists only "
          + nodes.size() + " nodes; lower the factor or add nodes");
    }
    int electionMin = intIn(v, "raft.election-timeout-ms-min", 50, 60_000);
    int electionMax = intIn(v, "raft.election-timeout-ms-max", 50, 60_000);
    if (electionMax <= electionMin) {
      throw new ConfigException("raft.election-timeout-ms-max (" + electionMax
          + ") must be greater than raft.election-timeout-ms-min (" + electionMin + ")");
    }
    return new NodeConfig(
        nodeId,
        v.get("node.host"),
        intIn(v, "node.raft-port", 1, 65535),
        intIn(v, "node.client-port", 1, 65535),
        intIn(v, "node.http-port", 1, 65535),
        Path.of(v.get("data.dir")),
        v.get("cluster.id"),
        nodes,
        intIn(v, "cluster.shards", 1, 1024),
        rf,
        intIn(v, "cluster.virtual-nodes-per-shard", 1, 4096),
        intIn(v, "limits.key-bytes-max", 1, 65536),
        intIn(v, "limits.value-bytes-max", 1, 16 << 20),
        electionMin,
        electionMax,
        intIn(v, "raft.request-timeout-ms", 100, 600_000),
        intIn(v, "raft.snapshot-every-entries", 16, Integer.MAX_VALUE),
        intIn(v, "raft.log-segment-bytes-max", 1 << 16, 1 << 30),
        bool(v, "raft.log-metadata-enabled"),
        intIn(v, "batch.commands-max", 1, 65536),
        intIn(v, "batch.in-flight-max", 1, 64),
        intIn(v, "read.session-wait-ms-max", 0, 60_000),
        intIn(v, "cache.shard-bytes-max", 0, Integer.MAX_VALUE),
        bool(v, "debug.unsafe-local-reads"));
  }

  /** Parses {@code id@host:raftPort:clientPort:httpPort,...}. */
  static List<NodeInfo> parseNodes(String spec) {
    List<NodeInfo> nodes = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (String item : spec.split(",")) {
      String s = item.trim();
      int at = s.indexOf('@');
      String[] parts = at < 0 ? new String[0] : s.substring(at + 1).split(":");
      if (at <= 0 || parts.length != 4) {
        throw new ConfigException("cluster.nodes entry '" + s
            + "' is malformed; expected id@host:raftPort:clientPort:httpPort");
      }
      String id = s.substring(0, at);
      if (!ids.add(id)) {
        throw new ConfigException("cluster.nodes lists node id '" + id + "' twice");
      }
      try {
        nodes.add(NodeInfo.newBuilder().setId(id).setHost(parts[0])
            .setRaftPort(Integer.parseInt(parts[1])).setClientPort(Integer.parseInt(parts[2]))
            .setHttpPort(Integer.parseInt(parts[3])).build());
      } catch (NumberFormatException e) {
        throw new ConfigException("cluster.nodes entry '" + s + "' has a port that is not a number");
      }
    }
    return List.copyOf(nodes);
  }

  private static int intIn(Map<String, String> v, String key, int min, int max) {
    String raw = v.get(key);
    long n;
    try {
      n = Long.parseLong(raw);
    } catch (NumberFormatException e) {
      throw new ConfigException(key + " is '" + raw + "'; it must be a whole number");
    }
    if (n < min || n > max) {
      throw new ConfigException(key + " is " + n + "; it must be between " + min + " and " + max);
    }
    return (int) n;
  }

  private static boolean bool(Map<String, String> v, String key) {
    String raw = v.get(key);
    if (!raw.equals("true") && !raw.equals("false")) {
      throw new ConfigException(key + " is '" + raw + "'; it must be true or false");
    }
    return Boolean.parseBoolean(raw);
  }
}

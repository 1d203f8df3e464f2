package io.cairn.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigLoaderTest {
  private static Map<String, String> minimal() {
    Map<String, String> m = new HashMap<>();
    m.put("node.id", "n1");
    m.put("data.dir", "/tmp/cairn-n1");
    m.put("peer-tls.insecure", "true");
    m.put("auth.enabled", "false");
    m.put(
        "cluster.nodes",
        "n1@127.0.0.1:7000:7001:7002:7003,n2@127.0.0.2:7000:7001:7002:7003,n3@127.0.0.3:7000:7001:7002:7003");
    return m;
  }

  @Test
  void appliesDefaults() {
    NodeConfig c = NodeConfigLoader.fromMap(minimal());
    assertThat(c.cluster().shards()).isEqualTo(1);
    assertThat(c.membership().nodesPerShard()).isEqualTo(3);
    assertThat(c.cluster().replicationFactor()).isEqualTo(3);
    assertThat(c.limits().keyBytesMax()).isEqualTo(4096);
    assertThat(c.limits().valueBytesMax()).isEqualTo(1 << 20);
    assertThat(c.raft().electionTimeoutMsMin()).isEqualTo(300);
    assertThat(c.batch().queueCommandsMax()).isEqualTo(1024);
    assertThat(c.catchup().tickMs()).isEqualTo(2000);
    assertThat(c.debug().unsafeLocalReads()).isFalse();
    assertThat(c.cluster().seedNodes()).hasSize(3);
    assertThat(c.cluster().seedNodes().get(1).getHost()).isEqualTo("127.0.0.2");
  }

  @Test
  void environmentVariablesSetKeysAndCommandLineOverridesWin() {
    Map<String, String> env =
        Map.of(
            "CAIRN_NODE_ID", "n2",
            "CAIRN_DATA_DIR", "/tmp/from-env",
            "CAIRN_CLUSTER_NODES", minimal().get("cluster.nodes"),
            "CAIRN_RAFT_ELECTION_TIMEOUT_MS_MIN", "400",
            "CAIRN_PEER_TLS_INSECURE", "true",
            "CAIRN_AUTH_ENABLED", "false",
            "CAIRN_ENDPOINTS", "not a node key: ignored",
            "PATH", "/usr/bin");
    NodeConfig c = NodeConfigLoader.load(null, env, Map.of("data.dir", "/tmp/from-flag"));
    assertThat(c.nodeId()).isEqualTo("n2");
    assertThat(c.raft().electionTimeoutMsMin()).isEqualTo(400);
    assertThat(c.dataDir()).isEqualTo(Path.of("/tmp/from-flag"));
    assertThat(NodeConfigLoader.environmentVariable("batch.queue-bytes-max"))
        .isEqualTo("CAIRN_BATCH_QUEUE_BYTES_MAX");
  }

  @Test
  void aMissingRequiredKeyNamesItsEnvironmentVariable() {
    Map<String, String> m = minimal();
    m.remove("node.id");
    assertThatThrownBy(() -> NodeConfigLoader.fromMap(m)).hasMessageContaining("CAIRN_NODE_ID");
  }

  @Test
  void theSampleConfigListsExactlyTheKnownKeysWithTheirDefaults() throws IOException {
    Path sample = Path.of("..", "config", "node.properties.sample");
    Properties p = new Properties();
    try (var r = Files.newBufferedReader(sample)) {
      p.load(r);
    }
    assertThat(p.stringPropertyNames())
        .containsExactlyInAnyOrderElementsOf(NodeConfigLoader.DEFAULTS.keySet());
    NodeConfigLoader.DEFAULTS.forEach(
        (k, d) -> {
          if (d != null) {
            assertThat(p.getProperty(k)).as(k).isEqualTo(d);
          }
        });
  }

  @Test
  void anOpenRaftPortMustBeAskedFor() {
    Map<String, String> m = minimal();
    m.remove("peer-tls.insecure");
    assertThatThrownBy(() -> NodeConfigLoader.fromMap(m))
        .hasMessageContaining("the Raft port needs mutual TLS")
        .hasMessageContaining("peer-tls.insecure=true");
    assertThat(NodeConfigLoader.fromMap(minimal()).peerTls().insecure()).isTrue();
  }

  @Test
  void peerTlsNeedsAllThreeReadableFiles(@TempDir Path dir) throws IOException {
    Map<String, String> m = minimal();
    m.remove("peer-tls.insecure");
    for (String f : new String[] {"n1.pem", "n1.key", "ca.pem"}) {
      Files.writeString(dir.resolve(f), "x");
    }
    m.put("peer-tls.cert-file", dir.resolve("n1.pem").toString());
    m.put("peer-tls.key-file", dir.resolve("n1.key").toString());
    assertThatThrownBy(() -> NodeConfigLoader.fromMap(m)).hasMessageContaining("peer-tls.ca-file");
    m.put("peer-tls.ca-file", dir.resolve("missing.pem").toString());
    assertThatThrownBy(() -> NodeConfigLoader.fromMap(m))
        .hasMessageContaining("peer-tls.ca-file is")
        .hasMessageContaining("not a readable file");
    m.put("peer-tls.ca-file", dir.resolve("ca.pem").toString());
    NodeConfig.PeerTls tls = NodeConfigLoader.fromMap(m).peerTls();
    assertThat(tls.insecure()).isFalse();
    assertThat(tls.caFile()).isEqualTo(dir.resolve("ca.pem"));
    m.put("peer-tls.insecure", "true");
    assertThatThrownBy(() -> NodeConfigLoader.fromMap(m))
        .hasMessageContaining("remove one or the other");
  }

  @Test
  void clientTlsIsOffByDefaultAndBuildsOnPeerTls(@TempDir Path dir) throws IOException {
    Map<String, String> m = minimal();
    assertThat(NodeConfigLoader.fromMap(m).clientTls().enabled()).isFalse();
    m.put("client-tls.enabled", "true");
    assertThatThrownBy(() -> NodeConfigLoader.fromMap(m))
        .hasMessageContaining("client-tls.enabled=true needs the peer-tls files");

    m.remove("peer-tls.insecure");
    for (String f : new String[] {"n1.pem", "n1.key", "ca.pem", "clients.pem"}) {
      Files.writeString(dir.resolve(f), "x");
    }
    m.put("peer-tls.cert-file", dir.resolve("n1.pem").toString());
    m.put("peer-tls.key-file", dir.resolve("n1.key").toString());
    m.put("peer-tls.ca-file", dir.resolve("ca.pem").toString());
    NodeConfig.ClientTls serverOnly = NodeConfigLoader.fromMap(m).clientTls();
    assertThat(serverOnly.enabled()).isTrue();
    assertThat(serverOnly.clientCaFile()).isNull();

    m.put("client-tls.client-ca-file", dir.resolve("missing.pem").toString());
    assertThatThrownBy(() -> NodeConfigLoader.fromMap(m))
        .hasMessageContaining("client-tls.client-ca-file is");
    m.put("client-tls.client-ca-file", dir.resolve("clients.pem").toString());
    assertThat(NodeConfigLoader.fromMap(m).clientTls().clientCaFile())
        .isEqualTo(dir.resolve("clients.pem"));

    m.put("client-tls.enabled", "false");
    assertThatThrownBy(() -> NodeConfigLoader.fromMap(m))
        .hasMessageContaining("set client-tls.enabled=true");
  }

  @Test
  void authIsOnUnlessConfiguredOffAndNeedsClientTlsAndATokenKey(@TempDir Path dir)
      throws IOException {
    Map<String, String> m = minimal();
    assertThat(NodeConfigLoader.fromMap(m).auth().enabled()).isFalse();
    // Left out, auth is on: a config that does not set up TLS and keys is refused with the way out.
    m.remove("auth.enabled");
    assertThatThrownBy(() -> NodeConfigLoader.fromMap(m))
        .hasMessageContaining("auth is on unless configured off")
        .hasMessageContaining("client-tls.enabled=true")
        .hasMessageContaining("or set auth.enabled=false");
    m.put("auth.enabled", "true");
    assertThatThrownBy(() -> NodeConfigLoader.fromMap(m))
        .hasMessageContaining("auth.enabled=true needs client-tls.enabled=true");

    m.remove("peer-tls.insecure");
    for (String f : new String[] {"n1.pem", "n1.key", "ca.pem", "tokens"}) {
      Files.writeString(dir.resolve(f), "x");
    }
    m.put("peer-tls.cert-file", dir.resolve("n1.pem").toString());
    m.put("peer-tls.key-file", dir.resolve("n1.key").toString());
    m.put("peer-tls.ca-file", dir.resolve("ca.pem").toString());
    m.put("client-tls.enabled", "true");
    assertThatThrownBy(() -> NodeConfigLoader.fromMap(m))
        .hasMessageContaining("needs auth.token-key-file");
    m.put("auth.token-key-file", dir.resolve("tokens").toString());
    m.put("at-rest.key-file", dir.resolve("tokens").toString());
    assertThatThrownBy(() -> NodeConfigLoader.fromMap(m)).hasMessageContaining("are the same file");
    m.remove("at-rest.key-file");
    NodeConfig.Auth auth = NodeConfigLoader.fromMap(m).auth();
    assertThat(auth.enabled()).isTrue();
    m.remove("auth.enabled");
    assertThat(NodeConfigLoader.fromMap(m).auth()).isEqualTo(auth);
    assertThat(auth.tokenKeyFile()).isEqualTo(dir.resolve("tokens"));
    assertThat(auth.tokenTtlMs()).isEqualTo(600_000);
  }

  @Test
  void eachPortListensOnNodeHostUnlessToldOtherwise() {
    Map<String, String> m = minimal();
    NodeConfig.Listen listen = NodeConfigLoader.fromMap(m).node().listen();
    String host = NodeConfigLoader.fromMap(m).node().host();
    assertThat(listen).isEqualTo(new NodeConfig.Listen(host, host, host));
    m.put("node.client-listen-host", "0.0.0.0");
    m.put("node.raft-listen-host", "10.0.0.5");
    assertThat(NodeConfigLoader.fromMap(m).node().listen())
        .isEqualTo(new NodeConfig.Listen("10.0.0.5", "0.0.0.0", host));
    assertThat(NodeConfigLoader.fromMap(m).node().info().getHost()).isEqualTo(host);
  }

  @Test
  void rejectsUnknownKeys() {
    Map<String, String> m = minimal();
    m.put("cluster.shard", "4");
    assertThatThrownBy(() -> NodeConfigLoader.fromMap(m))
        .hasMessageContaining("unknown config key 'cluster.shard'");
  }

  @Test
  void rejectsMissingRequiredKey() {
    Map<String, String> m = minimal();
    m.remove("data.dir");
    assertThatThrownBy(() -> NodeConfigLoader.fromMap(m))
        .hasMessageContaining("'data.dir' is required");
  }

  @Test
  void rejectsOutOfRangeAndMalformedValues() {
    Map<String, String> m = minimal();
    m.put("cluster.shards", "0");
    assertThatThrownBy(() -> NodeConfigLoader.fromMap(m))
        .hasMessageContaining("cluster.shards is 0");
    m.put("cluster.shards", "four");
    assertThatThrownBy(() -> NodeConfigLoader.fromMap(m)).hasMessageContaining("whole number");
    m.put("cluster.shards", "4");
    m.put("cluster.replication-factor", "5");
    assertThatThrownBy(() -> NodeConfigLoader.fromMap(m))
        .hasMessageContaining("lists only 3 nodes");
    m.put("cluster.replication-factor", "3");
    m.put("raft.election-timeout-ms-max", "200");
    assertThatThrownBy(() -> NodeConfigLoader.fromMap(m))
        .hasMessageContaining("must be greater than");
  }

  @Test
  void rejectsNodeNotInCluster() {
    Map<String, String> m = minimal();
    m.put("node.id", "n9");
    assertThatThrownBy(() -> NodeConfigLoader.fromMap(m))
        .hasMessageContaining("'n9' is not in cluster.nodes");
  }

  @Test
  void seedsHavePeerPortsAndMayNameAClientHost() {
    Map<String, String> m = minimal();
    m.put("cluster.replication-factor", "1");
    assertThat(NodeConfigLoader.fromMap(m).node().peerPort()).isEqualTo(7003);
    assertThat(NodeConfigLoader.fromMap(m).node().info().getClientHost()).isEmpty();
    m.put(
        "cluster.nodes",
        "n1@10.0.0.1:7000:7001:7002:7003/db1.example.com,n2@10.0.0.2:7000:7001:7002:7013");
    NodeConfig c = NodeConfigLoader.fromMap(m);
    assertThat(c.cluster().seedNodes().get(0).getClientHost()).isEqualTo("db1.example.com");
    assertThat(c.cluster().seedNodes().get(0).getPeerPort()).isEqualTo(7003);
    assertThat(c.cluster().seedNodes().get(1).getClientHost()).isEmpty();
    assertThat(c.cluster().seedNodes().get(1).getPeerPort()).isEqualTo(7013);

    m.put("node.client-host", "db1.example.com");
    assertThat(NodeConfigLoader.fromMap(m).node().info().getClientHost())
        .isEqualTo("db1.example.com");
    m.put("node.client-host", "other.example.com");
    assertThatThrownBy(() -> NodeConfigLoader.fromMap(m))
        .hasMessageContaining("node.client-host is 'other.example.com'")
        .hasMessageContaining("end the entry with /other.example.com");

    m.remove("node.client-host");
    m.put("cluster.nodes", "n1@10.0.0.1:7000:7001:7002:7003/");
    assertThatThrownBy(() -> NodeConfigLoader.fromMap(m)).hasMessageContaining("[/clientHost]");
    // A '/' before the '@' is part of the id, not a client host: a config error, not a crash.
    m.put("cluster.nodes", "n/1@10.0.0.1:7000:7001:7002:7003");
    assertThatThrownBy(() -> NodeConfigLoader.fromMap(m)).isInstanceOf(ConfigException.class);
  }

  @Test
  void rejectsMalformedNodeList() {
    Map<String, String> m = minimal();
    m.put("cluster.nodes", "n1@127.0.0.1:7000:7001");
    assertThatThrownBy(() -> NodeConfigLoader.fromMap(m))
        .hasMessageContaining("expected id@host:raftPort:clientPort:httpPort:peerPort");
    m.put("cluster.nodes", "n1@127.0.0.1:7000:7001:7002");
    assertThatThrownBy(() -> NodeConfigLoader.fromMap(m))
        .hasMessageContaining("node-to-node calls have a port of their own");
    m.put("cluster.nodes", "n1@h:1:2:3:4,n1@h:5:6:7:8");
    assertThatThrownBy(() -> NodeConfigLoader.fromMap(m)).hasMessageContaining("twice");
  }
}

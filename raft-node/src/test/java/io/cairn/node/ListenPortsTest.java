package io.cairn.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.node.config.NodeConfig;
import io.cairn.node.config.NodeConfigLoader;
import io.cairn.node.testing.FreePorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ListenPortsTest {
  @TempDir Path dir;

  @Test
  void aNodeWhoseRaftPortIsTakenSaysWhichKeyToChangeAndWritesNothing() throws IOException {
    int[] p = FreePorts.forNode();
    Path dataDir = dir.resolve("n1");
    NodeConfig config = oneNode(p, dataDir);
    try (ServerSocket squatter = new ServerSocket()) {
      squatter.bind(new InetSocketAddress("127.0.0.1", p[0]));
      assertThatThrownBy(() -> CairnNode.start(config))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("node.raft-port=" + p[0])
          .hasMessageContaining("set node.raft-port to a free port");
    }
    assertThat(Files.exists(dataDir)).isFalse();
  }

  @Test
  void eachOfTheFivePortsIsChecked() throws IOException {
    int[] p = FreePorts.forNode();
    NodeConfig config = oneNode(p, dir.resolve("n1"));
    String[] keys = {"node.raft-port", "node.client-port", "node.http-port", "node.peer-port"};
    for (int i = 0; i < 4; i++) {
      try (ServerSocket squatter = new ServerSocket()) {
        squatter.bind(new InetSocketAddress("127.0.0.1", p[i]));
        assertThatThrownBy(() -> ListenPorts.requireFree(config.node()))
            .hasMessageStartingWith(keys[i] + "=" + p[i]);
      }
    }
    try (ServerSocket squatter = new ServerSocket()) {
      squatter.bind(new InetSocketAddress("127.0.0.1", p[0] + 4));
      assertThatThrownBy(() -> ListenPorts.requireFree(config.node()))
          .hasMessageStartingWith("the Raft link port " + (p[0] + 4) + " (node.raft-port + 4)")
          .hasMessageContaining("set node.raft-port to a port whose +4 is free too");
    }
    ListenPorts.requireFree(config.node());
  }

  private static NodeConfig oneNode(int[] p, Path dataDir) {
    Map<String, String> m = new HashMap<>();
    m.put("node.id", "n1");
    m.put("node.host", "127.0.0.1");
    m.put("node.raft-port", Integer.toString(p[0]));
    m.put("node.client-port", Integer.toString(p[1]));
    m.put("node.http-port", Integer.toString(p[2]));
    m.put("node.peer-port", Integer.toString(p[3]));
    m.put("data.dir", dataDir.toString());
    m.put("peer-tls.insecure", "true");
    m.put("auth.enabled", "false");
    m.put("cluster.shards", "1");
    m.put("cluster.replication-factor", "1");
    m.put("cluster.nodes", "n1@127.0.0.1:" + p[0] + ":" + p[1] + ":" + p[2] + ":" + p[3]);
    return NodeConfigLoader.fromMap(m);
  }
}

package io.cairn.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.client.BlockingCairnClient;
import io.cairn.client.ClientConfig;
import io.cairn.node.testing.LocalCluster;
import io.cairn.node.testing.LocalClusterExtension;
import io.cairn.proto.Consistency;
import io.cairn.proto.NodeInfo;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 11, item 1: a node advertises one address to other nodes (node.host: Raft and peer ports)
 * and another to clients (node.client-host). Here the client ports listen on 127.0.0.2 only and the
 * map says so; once the node the client first asked is gone, the client still reaches the others,
 * which it can only do at the client host the map gives.
 */
class ClientHostTest {
  @RegisterExtension
  final LocalClusterExtension local =
      new LocalClusterExtension(b -> b.nodes(3).shards(2).clientHost("127.0.0.2"));

  @Test
  void clientsDialTheClientHostAndNodesTheNodeHost() throws Exception {
    LocalCluster cluster = local.cluster();
    cluster.awaitLeaders();
    for (NodeInfo n : cluster.map().getNodesList()) {
      assertThat(n.getHost()).isEqualTo("127.0.0.1");
      assertThat(n.getClientHost()).isEqualTo("127.0.0.2");
    }
    int n2ClientPort = cluster.config(2).node().clientPort();
    assertThatThrownBy(
            () -> {
              try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", n2ClientPort), 2_000);
              }
            })
        .as("the client port listens on the client host only")
        .isInstanceOf(IOException.class);

    String entry = "127.0.0.2:" + cluster.config(1).node().clientPort();
    try (BlockingCairnClient client =
        BlockingCairnClient.connect(
            ClientConfig.builder().endpoints(List.of(entry)).requestTimeoutMs(20_000).build())) {
      for (int i = 0; i < 20; i++) {
        client.put("k" + i, "v" + i);
      }
      cluster.stop(1);
      for (int i = 0; i < 20; i++) {
        assertThat(
                new String(
                    client.get("k" + i, Consistency.LINEARIZABLE).value(), StandardCharsets.UTF_8))
            .isEqualTo("v" + i);
        client.put("k" + i, "w" + i);
      }
    }
  }
}

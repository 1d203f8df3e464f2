package io.cairn.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.node.testing.LocalCluster;
import io.cairn.node.testing.LocalClusterExtension;
import io.cairn.proto.ClusterGrpc;
import io.cairn.proto.GetShardMapRequest;
import io.cairn.proto.ShardMap;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 11, item 1: each port binds its own listen address while the map advertises node.host. Here
 * the client and HTTP ports listen on every interface and the Raft port on node.host only:
 * 127.0.0.2 reaches the first two and is refused by the third.
 */
class ListenAddressTest {
  @RegisterExtension
  final LocalClusterExtension local =
      new LocalClusterExtension(
          b ->
              b.nodes(3)
                  .shards(1)
                  .config("node.client-listen-host", "0.0.0.0")
                  .config("node.http-listen-host", "0.0.0.0"));

  @Test
  void eachPortBindsItsOwnAddressAndTheMapAdvertisesNodeHost() throws Exception {
    LocalCluster cluster = local.cluster();
    cluster.awaitLeaders();
    NodeConfig.Node n1 = cluster.config(1).node();
    assertThat(n1.listen().raftHost()).isEqualTo(n1.host());

    ManagedChannel other =
        ManagedChannelBuilder.forAddress("127.0.0.2", n1.clientPort()).usePlaintext().build();
    try {
      ShardMap map =
          ClusterGrpc.newBlockingStub(other)
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .getShardMap(GetShardMapRequest.getDefaultInstance());
      assertThat(map.getNodes(0).getHost()).isEqualTo("127.0.0.1");
    } finally {
      other.shutdownNow();
    }

    HttpResponse<String> health =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.2:" + n1.httpPort() + "/health"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);

    assertThatThrownBy(
            () -> {
              try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.2", n1.raftPort()), 2_000);
              }
            })
        .as("the Raft port listens on node.host only")
        .isInstanceOf(IOException.class);
  }
}

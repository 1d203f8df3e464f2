package io.cairn.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.proto.NodeInfo;
import io.cairn.proto.Routing;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import org.junit.jupiter.api.Test;

class RoutingViewTest {
  @Test
  void aNodeIsDialledAtItsClientHostWhenTheMapNamesOne() {
    ShardMap map =
        ShardMap.newBuilder()
            .setEpoch(1)
            .setVirtualNodesPerShard(4)
            .addNodes(
                NodeInfo.newBuilder()
                    .setId("n1")
                    .setHost("10.0.0.1")
                    .setClientPort(7001)
                    .setClientHost("db1.example.com"))
            .addNodes(NodeInfo.newBuilder().setId("n2").setHost("10.0.0.2").setClientPort(7001))
            .addShards(ShardInfo.newBuilder().setShardId(1).addReplicas("n1").addReplicas("n2"))
            .build();
    RoutingView view = RoutingView.of(Routing.newBuilder().setMap(map).build());
    assertThat(view.endpointOf("n1")).contains(new Endpoint("db1.example.com", 7001));
    assertThat(view.endpointOf("n2")).contains(new Endpoint("10.0.0.2", 7001));
    assertThat(view.nodeEndpoints())
        .containsExactly(new Endpoint("db1.example.com", 7001), new Endpoint("10.0.0.2", 7001));
  }
}

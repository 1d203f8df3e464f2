package io.cairn.node.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.cairn.node.testing.LocalCluster;
import io.cairn.node.testing.LocalClusterExtension;
import io.cairn.proto.ErrorDetail;
import io.cairn.proto.WireHeaders;
import io.cairn.proto.internal.ReadShardMapRequest;
import io.cairn.proto.internal.ReadShardMapResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 9, item 4: the meta group's map is read linearizably, with the same leadership confirmation
 * as data reads, not with Ratis's ReadIndex.
 */
class MetaReadsTest {
  @RegisterExtension
  final LocalClusterExtension local = new LocalClusterExtension(b -> b.nodes(3).shards(1));

  private static int metaLeader(LocalCluster cluster) {
    return await("a meta leader")
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              for (int i = 1; i <= cluster.size(); i++) {
                var host = cluster.node(i).host();
                if (host.isReadyLeader(host.metaGroupId())) {
                  return Optional.of(i);
                }
              }
              return Optional.<Integer>empty();
            },
            Optional::isPresent)
        .orElseThrow();
  }

  private static ReadShardMapResponse read(LocalCluster cluster, int node) {
    return cluster.peerApi(node).readShardMap(ReadShardMapRequest.getDefaultInstance());
  }

  @Test
  void theMetaLeaderAnswersWithTheMapItHolds() {
    LocalCluster cluster = local.cluster();
    int leader = metaLeader(cluster);
    ReadShardMapResponse r =
        await("the bootstrap map")
            .atMost(Duration.ofSeconds(10))
            .until(() -> read(cluster, leader), ReadShardMapResponse::getHasMap);
    assertThat(r.getMap().getEpoch()).isEqualTo(1);
    assertThat(r.getMap().getShardsCount()).isEqualTo(1);
  }

  @Test
  void aMetaFollowerNamesTheLeaderInsteadOfAnswering() {
    LocalCluster cluster = local.cluster();
    int leader = metaLeader(cluster);
    int follower = leader % 3 + 1;
    assertThatThrownBy(() -> read(cluster, follower))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              ErrorDetail d = e.getTrailers().get(WireHeaders.ERROR_DETAIL);
              assertThat(d.getReason()).isEqualTo(ErrorDetail.Reason.NOT_LEADER);
              assertThat(d.getLeaderHint()).isEqualTo("n" + leader);
            });
  }

  @Test
  void aMetaLeaderThatCannotReachAMajorityDoesNotAnswer() {
    LocalCluster cluster = local.cluster();
    int leader = metaLeader(cluster);
    read(cluster, leader);
    // Its followers go away; until its election timeout passes it still believes it leads, and a
    // read path that trusted that belief would answer from a map that may be stale.
    for (int i = 1; i <= 3; i++) {
      if (i != leader) {
        cluster.stop(i);
      }
    }
    assertThatThrownBy(() -> read(cluster, leader))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }
}

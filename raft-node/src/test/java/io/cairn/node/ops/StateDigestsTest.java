package io.cairn.node.ops;

import static io.cairn.node.testing.Requests.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cairn.node.testing.LocalCluster;
import io.cairn.node.testing.LocalClusterExtension;
import io.cairn.proto.ErrorDetail;
import io.cairn.proto.GetReplicaDigestRequest;
import io.cairn.proto.MarkShardDigestRequest;
import io.cairn.proto.ReplicaDigest;
import io.cairn.proto.WireHeaders;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 9, item 6: the digest marker compares every replica of a shard at exactly the same log
 * index, and tells a replica whose state differs from the others.
 */
class StateDigestsTest {
  @RegisterExtension
  final LocalClusterExtension local = new LocalClusterExtension(b -> b.nodes(3).shards(1));

  private Map<Integer, ReplicaDigest> digestsAt(LocalCluster cluster, long index) {
    return digestsAt(cluster, index, 5_000);
  }

  private Map<Integer, ReplicaDigest> digestsAt(LocalCluster cluster, long index, int waitMs) {
    Map<Integer, ReplicaDigest> byNode = new TreeMap<>();
    for (int node : cluster.replicasOf(1)) {
      byNode.put(
          node,
          cluster
              .clusterApi(node)
              .getReplicaDigest(
                  GetReplicaDigestRequest.newBuilder()
                      .setShardId(1)
                      .setIndex(index)
                      .setWaitMs(waitMs)
                      .build()));
    }
    return byNode;
  }

  private long mark(LocalCluster cluster, int leader) {
    return cluster
        .clusterApi(leader)
        .markShardDigest(MarkShardDigestRequest.newBuilder().setShardId(1).build())
        .getIndex();
  }

  @Test
  void replicasThatAppliedTheSameWritesHaveTheSameDigestAtAMarker() {
    LocalCluster cluster = local.cluster();
    int leader = cluster.leaderOf(1);
    for (int i = 0; i < 20; i++) {
      cluster.kv(cluster.replicasOf(1).get(i % 3)).put(put("k" + i, "v" + i));
    }

    long index = mark(cluster, leader);
    Map<Integer, ReplicaDigest> digests = digestsAt(cluster, index);

    assertThat(digests.values())
        .allSatisfy(
            d -> {
              assertThat(d.getState()).isEqualTo(ReplicaDigest.State.RECORDED);
              assertThat(d.getIndex()).isEqualTo(index);
              assertThat(d.getKeys()).isEqualTo(20);
              assertThat(d.getDigest().size()).isEqualTo(32);
            });
    assertThat(digests.values().stream().map(ReplicaDigest::getDigest).distinct()).hasSize(1);
  }

  @Test
  void aReplicaWhoseStateWasChangedBehindRaftsBackHasADifferentDigest() throws Exception {
    LocalCluster cluster = local.cluster();
    int leader = cluster.leaderOf(1);
    long written = cluster.kv(leader).put(put("a", "1")).getVersion();
    int corrupted = cluster.followerOf(1);
    cluster.replica(corrupted, 1).awaitApplied(written).get(10, TimeUnit.SECONDS);
    // A bit flip, a bad disk, a bug: the value changes on one replica without a log entry.
    cluster
        .replica(corrupted, 1)
        .core()
        .store()
        .put("a".getBytes(StandardCharsets.UTF_8), "2".getBytes(StandardCharsets.UTF_8), 99);
    local.brokeOnPurpose(corrupted, 1);

    Map<Integer, ReplicaDigest> digests = digestsAt(cluster, mark(cluster, leader));

    ByteString leaderDigest = digests.get(leader).getDigest();
    digests.forEach(
        (node, d) -> {
          assertThat(d.getState()).isEqualTo(ReplicaDigest.State.RECORDED);
          if (node == corrupted) {
            assertThat(d.getDigest()).as("n%d's digest", node).isNotEqualTo(leaderDigest);
          } else {
            assertThat(d.getDigest()).as("n%d's digest", node).isEqualTo(leaderDigest);
          }
        });
  }

  @Test
  void onlyTheLeaderPlacesAMarkerAndOthersNameIt() {
    LocalCluster cluster = local.cluster();
    int leader = cluster.leaderOf(1);
    int follower = cluster.followerOf(1);

    assertThatThrownBy(() -> mark(cluster, follower))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              ErrorDetail detail = e.getTrailers().get(WireHeaders.ERROR_DETAIL);
              assertThat(detail.getReason()).isEqualTo(ErrorDetail.Reason.NOT_LEADER);
              assertThat(detail.getLeaderHint()).isEqualTo("n" + leader);
            });
  }

  @Test
  void anIndexThatIsNoMarkerOrAShardThatDoesNotExistIsAnsweredPlainly() {
    LocalCluster cluster = local.cluster();
    int leader = cluster.leaderOf(1);
    long writeIndex = cluster.kv(leader).put(put("a", "1")).getVersion();

    assertThat(digestsAt(cluster, writeIndex).values())
        .extracting(ReplicaDigest::getState)
        .containsOnly(ReplicaDigest.State.NOT_KEPT);
    assertThat(digestsAt(cluster, writeIndex + 1_000_000, 100).values())
        .extracting(ReplicaDigest::getState)
        .containsOnly(ReplicaDigest.State.NOT_APPLIED_YET);
    assertThatThrownBy(
            () ->
                cluster
                    .clusterApi(leader)
                    .markShardDigest(MarkShardDigestRequest.newBuilder().setShardId(7).build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).contains("has no shard 7");
            });
  }
}

package io.cairn.node.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cairn.node.testing.LocalCluster;
import io.cairn.node.testing.LocalClusterExtension;
import io.cairn.proto.Consistency;
import io.cairn.proto.ErrorDetail;
import io.cairn.proto.GetRequest;
import io.cairn.proto.GetResponse;
import io.cairn.proto.PutRequest;
import io.cairn.proto.PutResponse;
import io.cairn.proto.WireHeaders;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The read paths (docs/consistency.md) on a real in-process cluster. */
class ShardReadsTest {
  @RegisterExtension
  final LocalClusterExtension local =
      new LocalClusterExtension(
          b -> b.nodes(3).shards(1).config("read.session-wait-ms-max", "200"));

  private static GetRequest get(String key, Consistency consistency, long minIndex) {
    return GetRequest.newBuilder()
        .setKey(ByteString.copyFromUtf8(key))
        .setConsistency(consistency)
        .setMinIndex(minIndex)
        .build();
  }

  private static PutResponse put(LocalCluster cluster, int node, String key, String value) {
    return cluster
        .kv(node)
        .put(
            PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(key))
                .setValue(ByteString.copyFromUtf8(value))
                .build());
  }

  @Test
  void aLinearizableReadThroughAFollowerIsServedByTheLeaderAndNamesIt() {
    LocalCluster cluster = local.cluster();
    int leader = cluster.leaderOf(1);
    int follower = cluster.followerOf(1);
    PutResponse written = put(cluster, leader, "k", "v1");
    AtomicReference<Metadata> headers = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    GetResponse got =
        cluster
            .kv(follower)
            .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, trailers))
            .get(get("k", Consistency.LINEARIZABLE, 0));
    assertThat(got.getValue().toStringUtf8()).isEqualTo("v1");
    assertThat(got.getVersion()).isEqualTo(written.getVersion());
    assertThat(got.getToken().getIndex()).isGreaterThanOrEqualTo(written.getVersion());
    assertThat(headers.get().get(WireHeaders.LEADER)).isEqualTo("n" + leader);
  }

  @Test
  void aForwardedReadThatReachesANonLeaderFailsWithAHintInsteadOfBouncing() {
    LocalCluster cluster = local.cluster();
    int leader = cluster.leaderOf(1);
    int follower = cluster.followerOf(1);
    Metadata forwarded = new Metadata();
    forwarded.put(WireHeaders.FORWARDED, "1");
    assertThatThrownBy(
            () ->
                cluster
                    .kvOnPeerPort(follower)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(forwarded))
                    .get(get("k", Consistency.LINEARIZABLE, 0)))
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
  void theClientPortRefusesACallMarkedForwarded() {
    LocalCluster cluster = local.cluster();
    Metadata forwarded = new Metadata();
    forwarded.put(WireHeaders.FORWARDED, "1");
    assertThatThrownBy(
            () ->
                cluster
                    .kv(cluster.followerOf(1))
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(forwarded))
                    .get(get("k", Consistency.LINEARIZABLE, 0)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
              assertThat(e.getStatus().getDescription()).contains("on the peer port");
            });
  }

  @Test
  void sessionAndEventualReadsOnAFollowerSeeItsReplica() {
    LocalCluster cluster = local.cluster();
    int leader = cluster.leaderOf(1);
    int follower = cluster.followerOf(1);
    PutResponse written = put(cluster, leader, "k", "v1");
    // The follower waits until it has applied the write the session saw, then answers itself.
    GetResponse session =
        cluster.kv(follower).get(get("k", Consistency.SESSION, written.getToken().getIndex()));
    assertThat(session.getVersion()).isEqualTo(written.getVersion());
    cluster.assertReplicasAgree();
    GetResponse eventual = cluster.kv(follower).get(get("k", Consistency.EVENTUAL, 0));
    assertThat(eventual.getValue().toStringUtf8()).isEqualTo("v1");
  }

  @Test
  void aSessionReadAheadOfTheFollowerGoesToTheLeaderAfterItsWait() {
    LocalCluster cluster = local.cluster();
    int leader = cluster.leaderOf(1);
    int follower = cluster.followerOf(1);
    PutResponse written = put(cluster, leader, "k", "v1");
    // A token from the future (no replica has applied it): after read.session-wait-ms-max the
    // follower asks the leader, which is always fresh enough.
    GetResponse got =
        cluster
            .kv(follower)
            .get(get("k", Consistency.SESSION, written.getToken().getIndex() + 1_000));
    assertThat(got.getVersion()).isEqualTo(written.getVersion());
  }

  /** LeaderReads: a leader cut off from its majority must not answer from its own state. */
  @Test
  void aLeaderWithoutAMajorityRefusesLinearizableReadsButServesEventualOnes() {
    LocalCluster cluster = local.cluster();
    int leader = cluster.leaderOf(1);
    put(cluster, leader, "k", "v1");
    cluster.replicasOf(1).stream().filter(i -> i != leader).forEach(cluster::stop);
    assertThatThrownBy(
            () ->
                cluster
                    .kv(leader)
                    .withDeadlineAfter(5, TimeUnit.SECONDS)
                    .get(get("k", Consistency.LINEARIZABLE, 0)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e ->
                assertThat(e.getStatus().getCode())
                    .isIn(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED));
    assertThat(cluster.kv(leader).get(get("k", Consistency.EVENTUAL, 0)).getValue().toStringUtf8())
        .isEqualTo("v1");
  }
}

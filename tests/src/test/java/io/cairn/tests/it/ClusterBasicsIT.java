package io.cairn.tests.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import io.cairn.client.BlockingCairnClient;
import io.cairn.client.CairnClient;
import io.cairn.client.ClientConfig;
import io.cairn.client.InvalidRequestException;
import io.cairn.client.VersionMismatchException;
import io.cairn.proto.ClusterGrpc;
import io.cairn.proto.Consistency;
import io.cairn.proto.DeleteRequest;
import io.cairn.proto.ErrorDetail;
import io.cairn.proto.GetClusterStatusRequest;
import io.cairn.proto.GetRequest;
import io.cairn.proto.KvGrpc;
import io.cairn.proto.PutRequest;
import io.cairn.proto.ShardMap;
import io.cairn.proto.WireHeaders;
import io.cairn.tests.cluster.ProcessCluster;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API against a real 3-node cluster of separate processes: semantics of put/get/delete and
 * compare-and-set, the read levels, forwarding, the cluster service, and one test per bad-input
 * case proving it gets a precise status, changes nothing and leaves the node serving.
 */
class ClusterBasicsIT {
  @TempDir static Path dir;
  static ProcessCluster cluster;
  static BlockingCairnClient client;
  static ManagedChannel raw;

  @BeforeAll
  static void start() {
    cluster = ProcessCluster.builder(dir).nodes(3).shards(4).build().start(Duration.ofSeconds(90));
    client =
        new BlockingCairnClient(
            CairnClient.connect(
                ClientConfig.builder()
                    .endpoints(cluster.endpoints())
                    .requestTimeoutMs(15_000)
                    .build()));
    raw = NettyChannelBuilder.forTarget(cluster.endpoint(2)).usePlaintext().build();
  }

  @AfterAll
  static void stop() {
    if (raw != null) {
      raw.shutdownNow();
    }
    if (client != null) {
      client.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }

  @Test
  void putThenGetReturnsTheValueAndItsVersion() {
    long v = client.put(b("basics/a"), b("1")).version();
    var got = client.get(b("basics/a"));
    assertThat(got.found()).isTrue();
    assertThat(new String(got.value(), StandardCharsets.UTF_8)).isEqualTo("1");
    assertThat(got.version()).isEqualTo(v);
    long v2 = client.put(b("basics/a"), b("2")).version();
    assertThat(v2).isGreaterThan(v);
  }

  @Test
  void deleteRemovesTheKeyEverywhereAndRecreateGetsANewerVersion() {
    long v1 = client.put(b("basics/del"), b("x")).version();
    var d = client.delete(b("basics/del"));
    assertThat(d.existed()).isTrue();
    assertThat(client.get(b("basics/del")).found()).isFalse();
    // Every replica applied the delete: an EVENTUAL read on each node agrees once caught up.
    for (String endpoint : cluster.endpoints()) {
      try (var one =
          new BlockingCairnClient(
              CairnClient.connect(
                  ClientConfig.builder()
                      .endpoints(java.util.List.of(endpoint))
                      .requestTimeoutMs(10_000)
                      .build()))) {
        org.awaitility.Awaitility.await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> !one.get(b("basics/del"), Consistency.EVENTUAL).found());
      }
    }
    long v2 = client.put(b("basics/del"), b("y")).version();
    assertThat(v2).isGreaterThan(d.index()).isGreaterThan(v1);
    // A CAS with the version from before the delete can never match the re-created key.
    var e =
        catchThrowableOfType(
            VersionMismatchException.class, () -> client.put(b("basics/del"), b("z"), v1));
    assertThat(e.currentVersion()).isEqualTo(v2);
    assertThat(new String(client.get(b("basics/del")).value(), StandardCharsets.UTF_8))
        .isEqualTo("y");
  }

  /** Issue 9, item 6, on real processes: the digest marker path that cairnctl verify takes. */
  @Test
  void everyShardsReplicasHoldTheSameStateAtADigestMarker() {
    for (int i = 0; i < 40; i++) {
      client.put(b("basics/verify/" + i), b("v" + i));
    }
    for (io.cairn.proto.ShardInfo s : client.shardMap().getShardsList()) {
      long index = client.markShardDigest(s.getShardId()).getIndex();
      java.util.Set<ByteString> digests = new java.util.HashSet<>();
      for (String node : s.getReplicasList()) {
        io.cairn.proto.ReplicaDigest d = client.replicaDigest(node, s.getShardId(), index, 10_000);
        assertThat(d.getState())
            .as("n%s's digest of shard %d", node, s.getShardId())
            .isEqualTo(io.cairn.proto.ReplicaDigest.State.RECORDED);
        digests.add(d.getDigest());
      }
      assertThat(digests).as("digests of shard %d", s.getShardId()).hasSize(1);
    }
  }

  @Test
  void compareAndSetByVersion() {
    var mustNotExist = client.put(b("basics/cas"), b("first"), 0);
    assertThatThrownBy(() -> client.put(b("basics/cas"), b("again"), 0))
        .isInstanceOf(VersionMismatchException.class);
    var next = client.put(b("basics/cas"), b("second"), mustNotExist.version());
    var stale =
        catchThrowableOfType(
            VersionMismatchException.class,
            () -> client.put(b("basics/cas"), b("third"), mustNotExist.version()));
    assertThat(stale.currentVersion()).isEqualTo(next.version());
    assertThat(stale.exists()).isTrue();
    assertThatThrownBy(() -> client.delete(b("basics/cas"), mustNotExist.version()))
        .isInstanceOf(VersionMismatchException.class);
    assertThat(client.delete(b("basics/cas"), next.version()).existed()).isTrue();
    assertThat(client.get(b("basics/cas")).found()).isFalse();
  }

  @Test
  void sessionReadsSeeTheSessionsOwnWritesOnEveryReplica() {
    for (int i = 0; i < 20; i++) {
      long v = client.put(b("basics/session/" + i), b("v" + i)).version();
      var got = client.get(b("basics/session/" + i), Consistency.SESSION);
      assertThat(got.found()).isTrue();
      assertThat(got.version()).isGreaterThanOrEqualTo(v);
    }
  }

  @Test
  void anyNodeServesAnyKeyByForwarding() {
    // Raw stub to node 2 only: for keys of shards led elsewhere the node forwards.
    var kv = KvGrpc.newBlockingStub(raw).withDeadlineAfter(20, TimeUnit.SECONDS);
    for (int i = 0; i < 16; i++) {
      kv.put(PutRequest.newBuilder().setKey(bs("basics/fwd/" + i)).setValue(bs("v" + i)).build());
      assertThat(
              kv.get(GetRequest.newBuilder().setKey(bs("basics/fwd/" + i)).build())
                  .getValue()
                  .toStringUtf8())
          .isEqualTo("v" + i);
    }
  }

  @Test
  void aForwardedReadIsNeverForwardedAgain() throws Exception {
    // A read another node forwarded (header cairn-forwarded, on the peer port) reaches node 2 for a
    // shard node 2 does not lead: node 2 must refuse it as retryable, naming the leader, not bounce
    // it on.
    ShardMap map = client.shardMap();
    int shard =
        map.getShardsList().stream()
            .map(s -> s.getShardId())
            .filter(id -> FailoverIT.leaderNode(client, id) != 2)
            .findFirst()
            .orElseThrow();
    byte[] key = ShardKeys.onShard(map, shard, "basics/forwarded/", 1).get(0);
    client.put(key, b("v"));
    Metadata forwarded = new Metadata();
    forwarded.put(Metadata.Key.of("cairn-forwarded", Metadata.ASCII_STRING_MARSHALLER), "1");
    ManagedChannel member = cluster.memberChannel(2);
    try {
      var kv =
          KvGrpc.newBlockingStub(member)
              .withDeadlineAfter(20, TimeUnit.SECONDS)
              .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(forwarded));

      StatusRuntimeException e =
          catchThrowableOfType(
              StatusRuntimeException.class,
              () -> kv.get(GetRequest.newBuilder().setKey(ByteString.copyFrom(key)).build()));

      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      ErrorDetail detail = e.getTrailers().get(DETAIL_KEY);
      assertThat(detail.getReason()).isEqualTo(ErrorDetail.Reason.NOT_LEADER);
      assertThat(detail.getLeaderHint()).isEqualTo("n" + FailoverIT.leaderNode(client, shard));
    } finally {
      member.shutdownNow();
    }
    // The client port takes no call marked forwarded, from anyone.
    StatusRuntimeException onClientPort =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                KvGrpc.newBlockingStub(raw)
                    .withDeadlineAfter(20, TimeUnit.SECONDS)
                    .withInterceptors(
                        io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(forwarded))
                    .get(GetRequest.newBuilder().setKey(ByteString.copyFrom(key)).build()));
    assertThat(onClientPort.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    // Without the header the same node forwards the read and answers it.
    assertThat(
            KvGrpc.newBlockingStub(raw)
                .withDeadlineAfter(20, TimeUnit.SECONDS)
                .get(GetRequest.newBuilder().setKey(ByteString.copyFrom(key)).build())
                .getValue()
                .toStringUtf8())
        .isEqualTo("v");
  }

  @Test
  void clusterServiceReportsTheMapAndEveryNode() {
    ShardMap map = client.shardMap();
    assertThat(map.getShardsCount()).isEqualTo(4);
    assertThat(map.getNodesCount()).isEqualTo(3);
    assertThat(map.getEpoch()).isEqualTo(1);
    var status =
        ClusterGrpc.newBlockingStub(raw)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .getClusterStatus(GetClusterStatusRequest.getDefaultInstance());
    assertThat(status.getNodesCount()).isEqualTo(3);
    assertThat(status.getUnreachableMap()).isEmpty();
    status.getNodesList().forEach(n -> assertThat(n.getReplicasCount()).isEqualTo(5));
  }

  @Test
  void metricsAndHealthAreServed() {
    client.put(b("basics/metrics"), b("m"));
    String metrics = cluster.metrics(1) + cluster.metrics(2) + cluster.metrics(3);
    assertThat(metrics)
        .contains("cairn_requests_seconds_count")
        .contains("op=\"put\"")
        .contains("cairn_replica_applied_index")
        .contains("cairn_replica_term")
        .contains("cairn_replica_log_bytes");
    assertThat(cluster.health(1)).contains("\"healthy\":true");
  }

  @Test
  void concurrentLinearizableReadsShareConfirmationRoundsThatAllSucceed() throws Exception {
    // Many reads in flight at once share leadership confirmation rounds; a round must not die with
    // the read that happened to start it (it once ran in that read's gRPC context and was
    // cancelled when that read was answered).
    client.put(b("basics/concurrent-read"), b("c"));
    var async = client.async();
    java.util.List<java.util.concurrent.CompletableFuture<?>> reads = new java.util.ArrayList<>();
    for (int round = 0; round < 20; round++) {
      for (int i = 0; i < 32; i++) {
        reads.add(
            async
                .get(b("basics/concurrent-read"))
                .thenAccept(
                    r -> assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo("c")));
      }
      java.util.concurrent.CompletableFuture.allOf(
              reads.toArray(java.util.concurrent.CompletableFuture[]::new))
          .get(60, TimeUnit.SECONDS);
    }
    String metrics = cluster.metrics(1) + cluster.metrics(2) + cluster.metrics(3);
    assertThat(metrics)
        .contains("cairn_read_confirmation_seconds_count{node=")
        .doesNotContain("outcome=\"failed\"");
  }

  // ---- bad input: a precise status, no state change, and the node keeps serving --------------

  private static Status.Code codeOf(Runnable r) {
    try {
      r.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  private static StatusRuntimeException rawFailure(Runnable r) {
    return catchThrowableOfType(StatusRuntimeException.class, r::run);
  }

  private void assertStillServing() {
    long v = client.put(b("basics/alive"), b("yes")).version();
    assertThat(client.get(b("basics/alive")).version()).isEqualTo(v);
  }

  @Test
  void emptyKeyIsRejected() {
    var kv = KvGrpc.newBlockingStub(raw);
    for (Runnable r :
        new Runnable[] {
          () -> kv.put(PutRequest.newBuilder().setKey(ByteString.EMPTY).setValue(bs("x")).build()),
          () -> kv.get(GetRequest.newBuilder().setKey(ByteString.EMPTY).build()),
          () -> kv.delete(DeleteRequest.newBuilder().setKey(ByteString.EMPTY).build())
        }) {
      StatusRuntimeException e = rawFailure(r);
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).contains("key is empty");
    }
    assertThatThrownBy(() -> client.put(new byte[0], b("x")))
        .isInstanceOf(InvalidRequestException.class);
    assertStillServing();
  }

  @Test
  void oversizedKeyIsRejectedAndNothingIsWritten() {
    byte[] key = new byte[4097];
    java.util.Arrays.fill(key, (byte) 'k');
    StatusRuntimeException e =
        rawFailure(
            () ->
                KvGrpc.newBlockingStub(raw)
                    .put(
                        PutRequest.newBuilder()
                            .setKey(ByteString.copyFrom(key))
                            .setValue(bs("x"))
                            .build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains("4097").contains("4096");
    ErrorDetail detail = e.getTrailers().get(DETAIL_KEY);
    assertThat(detail.getReason()).isEqualTo(ErrorDetail.Reason.KEY_INVALID);
    assertThat(
            codeOf(
                () ->
                    KvGrpc.newBlockingStub(raw)
                        .get(GetRequest.newBuilder().setKey(ByteString.copyFrom(key)).build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertStillServing();
  }

  @Test
  void oversizedValueIsRejectedAndTheOldValueStays() {
    long v = client.put(b("basics/big"), b("small")).version();
    byte[] value = new byte[(1 << 20) + 1];
    StatusRuntimeException e =
        rawFailure(
            () ->
                KvGrpc.newBlockingStub(raw)
                    .put(
                        PutRequest.newBuilder()
                            .setKey(bs("basics/big"))
                            .setValue(ByteString.copyFrom(value))
                            .build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains("1048577").contains("1048576");
    var got = client.get(b("basics/big"));
    assertThat(got.version()).isEqualTo(v);
    assertThat(new String(got.value(), StandardCharsets.UTF_8)).isEqualTo("small");
    // The largest allowed value is accepted.
    byte[] max = new byte[1 << 20];
    assertThat(client.put(b("basics/big"), max).version()).isGreaterThan(v);
    assertStillServing();
  }

  @Test
  void wrongVersionIsFailedPreconditionWithTheCurrentVersion() {
    long v = client.put(b("basics/wrong"), b("a")).version();
    StatusRuntimeException e =
        rawFailure(
            () ->
                KvGrpc.newBlockingStub(raw)
                    .put(
                        PutRequest.newBuilder()
                            .setKey(bs("basics/wrong"))
                            .setValue(bs("b"))
                            .setExpectedVersion(v + 1000)
                            .build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    ErrorDetail detail = e.getTrailers().get(DETAIL_KEY);
    assertThat(detail.getCurrentVersion()).isEqualTo(v);
    assertThat(client.get(b("basics/wrong")).version()).isEqualTo(v);
    assertStillServing();
  }

  @Test
  void malformedRequestBytesAreRejected() {
    // A request whose bytes are not a PutRequest: INVALID_ARGUMENT naming the method.
    var call =
        raw.newCall(
            KvGrpc.getPutMethod().toBuilder(
                    io.grpc.MethodDescriptor.Marshaller.class.cast(new BytesMarshaller()),
                    KvGrpc.getPutMethod().getResponseMarshaller())
                .build(),
            io.grpc.CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS));
    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                io.grpc.stub.ClientCalls.blockingUnaryCall(
                    call, new byte[] {(byte) 0xff, (byte) 0xff, 0x01}));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains("cairn.v1.Kv/Put").contains("not a valid");
    assertStillServing();
  }

  @Test
  void unknownConsistencyLevelIsRejected() {
    StatusRuntimeException e =
        rawFailure(
            () ->
                KvGrpc.newBlockingStub(raw)
                    .get(
                        GetRequest.newBuilder()
                            .setKey(bs("basics/a"))
                            .setConsistencyValue(42)
                            .build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains("consistency");
    assertStillServing();
  }

  /** Sends raw bytes as the request message. */
  private static final class BytesMarshaller
      implements io.grpc.MethodDescriptor.Marshaller<byte[]> {
    @Override
    public java.io.InputStream stream(byte[] value) {
      return new java.io.ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(java.io.InputStream stream) {
      throw new UnsupportedOperationException("requests only");
    }
  }

  /** The trailer kv.proto names for the error detail. */
  static final Metadata.Key<ErrorDetail> DETAIL_KEY = WireHeaders.ERROR_DETAIL;
}

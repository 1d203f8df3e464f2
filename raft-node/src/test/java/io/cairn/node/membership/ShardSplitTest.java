package io.cairn.node.membership;

import static io.cairn.node.membership.MembershipTest.assertAllReadable;
import static io.cairn.node.membership.MembershipTest.retried;
import static io.cairn.node.membership.MembershipTest.settles;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.cairn.node.testing.LocalCluster;
import io.cairn.node.testing.LocalClusterExtension;
import io.cairn.proto.AddShardRequest;
import io.cairn.proto.GetRequest;
import io.cairn.proto.GetResponse;
import io.cairn.proto.KeyRing;
import io.cairn.proto.PutRequest;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import io.cairn.statemachine.ShardMaps;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Adding a shard under writes (docs/shard-split.md): the new shard takes its keys with their values
 * and versions, every acknowledged write stays readable, the other shards give the moved keys up,
 * and every shard's replicas agree afterwards (the extension checks).
 */
class ShardSplitTest {
  private static final Duration SETTLE = Duration.ofSeconds(90);

  @RegisterExtension
  final LocalClusterExtension local =
      new LocalClusterExtension(b -> b.nodes(3).shards(1).config("membership.tick-ms", "500"));

  private static ShardMap addShard(LocalCluster cluster, int via) {
    return retried(() -> cluster.clusterApi(via).addShard(AddShardRequest.getDefaultInstance()));
  }

  private static GetResponse get(LocalCluster cluster, int via, String key) {
    return retried(
        () ->
            cluster
                .kv(via)
                .get(GetRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).build()));
  }

  @Test
  void anAddedShardTakesItsKeysUnderWritesAndServesThem() throws Exception {
    LocalCluster cluster = local.cluster();
    cluster.awaitLeaders();
    Map<String, Long> versionsBefore = new HashMap<>();
    for (int n = 0; n < 60; n++) {
      int i = n;
      String key = "before-" + i;
      long version =
          retried(
                  () ->
                      cluster
                          .kv(1 + i % 3)
                          .put(
                              PutRequest.newBuilder()
                                  .setKey(ByteString.copyFromUtf8(key))
                                  .setValue(ByteString.copyFromUtf8("b" + i))
                                  .build()))
              .getVersion();
      versionsBefore.put(key, version);
    }
    try (MembershipTest.Writer writer = new MembershipTest.Writer(cluster, 100_000)) {
      await().atMost(SETTLE).until(() -> writer.acked.size() >= 20);
      ShardMap added = addShard(cluster, 2);
      ShardInfo shard2 = ShardMaps.group(added, 2);
      assertThat(shard2.getFilling()).isTrue();
      assertThat(shard2.getReplicasList()).hasSize(1);
      assertThatThrownBy(() -> cluster.clusterApi(3).addShard(AddShardRequest.getDefaultInstance()))
          .isInstanceOf(StatusRuntimeException.class)
          .hasMessageContaining("FAILED_PRECONDITION")
          .hasMessageContaining("still being added");

      settles(
          cluster,
          "shard 2 serves",
          () -> {
            ShardMap m = cluster.map();
            ShardInfo s = ShardMaps.group(m, 2);
            return !s.getFilling() && s.getReplicasCount() == 3;
          });
      int afterSplit = writer.acked.size();
      await().atMost(SETTLE).until(() -> writer.acked.size() >= afterSplit + 20);
      writer.close();
      assertAllReadable(cluster, writer.acked, 3);
      assertThat(writer.shardMoved).as("writes that saw SHARD_MOVED").hasValue(0);
    }

    KeyRing ring = KeyRing.of(cluster.map());
    int moved = 0;
    for (Map.Entry<String, Long> e : versionsBefore.entrySet()) {
      GetResponse got = get(cluster, 1, e.getKey());
      assertThat(got.getFound()).as(e.getKey()).isTrue();
      assertThat(got.getVersion()).as("%s keeps its version", e.getKey()).isEqualTo(e.getValue());
      if (ring.shardFor(ByteString.copyFromUtf8(e.getKey()).toByteArray()) == 2) {
        moved++;
        long next =
            retried(
                    () ->
                        cluster
                            .kv(2)
                            .put(
                                PutRequest.newBuilder()
                                    .setKey(ByteString.copyFromUtf8(e.getKey()))
                                    .setValue(ByteString.copyFromUtf8("after"))
                                    .setExpectedVersion(e.getValue())
                                    .build()))
                .getVersion();
        assertThat(next).as("a moved key's versions keep growing").isGreaterThan(e.getValue());
      }
    }
    assertThat(moved).as("some of 60 keys move to the new shard").isBetween(10, 50);

    // Every key is held by exactly one shard once the others dropped what they gave away.
    settles(
        cluster,
        "the first shard dropped the keys it gave away",
        () -> cluster.replica(1, 1).core().ownership() != null && keysHeldTwice(cluster) == 0);
    assertThat(cluster.replica(1, 2).core().keyCount()).isGreaterThanOrEqualTo(moved);
  }

  @Test
  void aKeyItsShardGaveAwayIsRefusedUnappliedAndTheCallEndsByItsDeadline() {
    LocalCluster cluster = local.cluster();
    cluster.awaitLeaders();
    int vnodes = cluster.map().getVirtualNodesPerShard();
    KeyRing withTwo = new KeyRing(java.util.List.of(1, 2), vnodes);
    String moved = null;
    String stays = null;
    for (int i = 0; i < 10_000 && (moved == null || stays == null); i++) {
      String k = "m" + i;
      if (withTwo.shardFor(ByteString.copyFromUtf8(k).toByteArray()) == 2) {
        moved = moved == null ? k : moved;
      } else {
        stays = stays == null ? k : stays;
      }
    }
    // Shard 1 fenced for a ring with a shard 2 the map does not have (as if its split stalled
    // right after the fence): its moved keys are refused, and no newer map comes.
    io.cairn.proto.internal.KeyOwnership ring =
        io.cairn.proto.internal.KeyOwnership.newBuilder()
            .setShardId(1)
            .addRingShardIds(1)
            .addRingShardIds(2)
            .setVirtualNodesPerShard(vnodes)
            .build();
    int leader = cluster.leaderOf(1);
    io.cairn.proto.internal.SplitStepResult fenced =
        cluster
            .peerApi(leader)
            .applySplitStep(
                io.cairn.proto.internal.ApplySplitStepRequest.newBuilder()
                    .setShardId(1)
                    .setStep(io.cairn.proto.internal.SplitStep.newBuilder().setFence(ring))
                    .build());
    assertThat(fenced.hasDone()).as(fenced.toString()).isTrue();

    String key = moved;
    long t0 = System.nanoTime();
    StatusRuntimeException refused =
        org.junit.jupiter.api.Assertions.assertThrows(
            StatusRuntimeException.class,
            () ->
                cluster
                    .kv(leader)
                    .withDeadlineAfter(2, java.util.concurrent.TimeUnit.SECONDS)
                    .put(
                        PutRequest.newBuilder()
                            .setKey(ByteString.copyFromUtf8(key))
                            .setValue(ByteString.copyFromUtf8("never"))
                            .build()));
    long tookMs = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertThat(refused.getStatus().getCode())
        .isIn(io.grpc.Status.Code.UNAVAILABLE, io.grpc.Status.Code.DEADLINE_EXCEEDED);
    assertThat(tookMs).as("the call ends by its deadline").isLessThan(6_000);
    for (int n = 1; n <= 3; n++) {
      assertThat(
              cluster.replica(n, 1).core().store().get(ByteString.copyFromUtf8(key).toByteArray()))
          .as("n%d applied nothing", n)
          .isNull();
    }
    String other = stays;
    assertThat(
            retried(
                    () ->
                        cluster
                            .kv(1)
                            .put(
                                PutRequest.newBuilder()
                                    .setKey(ByteString.copyFromUtf8(other))
                                    .setValue(ByteString.copyFromUtf8("v"))
                                    .build()))
                .getVersion())
        .as("the keys it still owns are served")
        .isPositive();
  }

  /** Keys that both shards' replicas on n1 hold (a copy not dropped yet). */
  private static long keysHeldTwice(LocalCluster cluster) {
    var first = cluster.replica(1, 1).core();
    var second = cluster.replica(1, 2).core();
    long[] both = {0};
    second
        .store()
        .forEachInKeyOrder(
            (key, value, version) -> {
              if (first.store().get(key) != null) {
                both[0]++;
              }
            });
    return both[0];
  }
}

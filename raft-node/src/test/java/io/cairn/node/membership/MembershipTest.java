package io.cairn.node.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.cairn.node.replica.RaftHost;
import io.cairn.node.testing.LocalCluster;
import io.cairn.node.testing.LocalClusterExtension;
import io.cairn.proto.GetClusterStatusRequest;
import io.cairn.proto.GetRequest;
import io.cairn.proto.MoveReplicaRequest;
import io.cairn.proto.NodeState;
import io.cairn.proto.PutRequest;
import io.cairn.proto.RemoveNodeRequest;
import io.cairn.proto.SetNodeStateRequest;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import io.cairn.statemachine.ShardMaps;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 9: the cluster changes shape under writes. Every acknowledged write is still there, with
 * its value, after replicas moved; the extension checks afterwards that every shard's replicas
 * agree.
 */
class MembershipTest {
  private static final Duration SETTLE = Duration.ofSeconds(90);
  private static final GetClusterStatusRequest ALL = GetClusterStatusRequest.getDefaultInstance();

  @RegisterExtension
  final LocalClusterExtension local =
      new LocalClusterExtension(
          b -> b.nodes(3).shards(3).config("membership.down-node-timeout-ms", "3000"));

  /** Writes keys through the nodes in turn until stopped; remembers what was acknowledged. */
  static final class Writer implements AutoCloseable {
    final Map<String, String> acked = new ConcurrentHashMap<>();
    // Writes refused because a split was moving their key: a node follows the key to its new
    // shard itself, so a client should never see one.
    final java.util.concurrent.atomic.AtomicInteger shardMoved =
        new java.util.concurrent.atomic.AtomicInteger();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread thread;

    Writer(LocalCluster cluster, int maxWrites) {
      thread =
          new Thread(
              () -> {
                for (int i = 0; i < maxWrites && !stop.get(); i++) {
                  int node = 1 + i % 3;
                  String key = "key-" + i;
                  try {
                    cluster
                        .kv(node)
                        .put(
                            PutRequest.newBuilder()
                                .setKey(ByteString.copyFromUtf8(key))
                                .setValue(ByteString.copyFromUtf8("v" + i))
                                .build());
                    acked.put(key, "v" + i);
                  } catch (RuntimeException e) {
                    // not acknowledged: the checker expects nothing of it
                    if (e instanceof StatusRuntimeException sre
                        && sre.getTrailers() != null
                        && sre.getTrailers().get(io.cairn.proto.WireHeaders.ERROR_DETAIL) != null
                        && sre.getTrailers()
                                .get(io.cairn.proto.WireHeaders.ERROR_DETAIL)
                                .getReason()
                            == io.cairn.proto.ErrorDetail.Reason.SHARD_MOVED) {
                      shardMoved.incrementAndGet();
                    }
                  }
                }
              },
              "membership-test-writer");
      thread.start();
    }

    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      thread.join(30_000);
    }
  }

  /**
   * Reads every acknowledged key (linearizable) through {@code via}, as a client would: retried.
   */
  static void assertAllReadable(LocalCluster cluster, Map<String, String> acked, int via) {
    assertThat(acked).isNotEmpty();
    for (Map.Entry<String, String> e : acked.entrySet()) {
      var got =
          retried(
              () ->
                  cluster
                      .kv(via)
                      .get(
                          GetRequest.newBuilder()
                              .setKey(ByteString.copyFromUtf8(e.getKey()))
                              .build()));
      assertThat(got.getFound()).as("acknowledged %s", e.getKey()).isTrue();
      assertThat(got.getValue().toStringUtf8()).isEqualTo(e.getValue());
    }
  }

  /** A call retried while it fails UNAVAILABLE (a leader changing, the meta group starting). */
  static <T> T retried(java.util.concurrent.Callable<T> call) {
    return await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(50))
        .ignoreExceptionsMatching(
            e ->
                e instanceof StatusRuntimeException sre
                    && sre.getStatus().getCode() == Status.Code.UNAVAILABLE)
        .until(call, r -> true);
  }

  /** {@code cairnctl shard move SHARD FROM TO}, asked of node {@code via}; returns the new map. */
  static ShardMap move(LocalCluster cluster, int via, int shard, String from, String to) {
    return retried(
        () ->
            cluster
                .clusterApi(via)
                .moveReplica(
                    MoveReplicaRequest.newBuilder()
                        .setShardId(shard)
                        .setFrom(from)
                        .setTo(to)
                        .build()));
  }

  /**
   * Waits up to {@link #SETTLE} for the cluster to get where {@code condition} says; on a timeout
   * the failure shows the map and every replica's view of its group, so that a run that sticks once
   * in CI says where.
   */
  static void settles(LocalCluster cluster, String what, Callable<Boolean> condition) {
    try {
      await(what).atMost(SETTLE).pollInterval(Duration.ofMillis(200)).until(condition);
    } catch (ConditionTimeoutException e) {
      String state;
      try {
        state = cluster.describe();
      } catch (RuntimeException describing) {
        state = "(could not describe the cluster: " + describing + ")";
      }
      System.out.println(what + ": not reached; the cluster:\n" + state);
      // On one line: surefire's summary, which is what a CI report shows, keeps the first line.
      throw new AssertionError(e.getMessage() + " || " + state.replace("\n", " | "), e);
    }
  }

  static boolean settled(ShardMap map) {
    return ShardMaps.groups(map).stream().noneMatch(ShardMaps::moving);
  }

  static boolean holdsLocally(LocalCluster cluster, int node, ShardInfo group) {
    return cluster.node(node).host().division(RaftHost.groupIdOf(group)).isPresent();
  }

  /**
   * The new node holds replicas and placement has settled. Placement alone is not enough: right
   * after the join the map may not name the new node yet, and then it trivially "matches".
   */
  static void awaitJoined(LocalCluster cluster, int node) {
    settles(
        cluster,
        "n" + node + " is given replicas",
        () -> ShardMaps.replicasOn(cluster.map(), "n" + node) > 0);
    awaitPlacementMatchesMap(cluster, 1, 2, 3, node);
  }

  /** Every node holds exactly the replicas the map names for it, and nothing moves. */
  static void awaitPlacementMatchesMap(LocalCluster cluster, int... nodes) {
    settles(
        cluster,
        "placement settles and every node holds what the map names",
        () -> {
          ShardMap map = cluster.map();
          if (!settled(map)) {
            return false;
          }
          for (int n : nodes) {
            for (ShardInfo g : ShardMaps.groups(map)) {
              if (ShardMaps.names(g, "n" + n) != holdsLocally(cluster, n, g)) {
                return false;
              }
            }
          }
          return true;
        });
  }

  @Test
  void aJoiningNodeTakesItsShareOfReplicasWithTheirData() throws Exception {
    LocalCluster cluster = local.cluster();
    cluster.awaitLeaders();
    try (Writer writer = new Writer(cluster, 100_000)) {
      await().atMost(SETTLE).until(() -> writer.acked.size() >= 50);
      int n4 = cluster.addNode();
      settles(
          cluster, "n4 holds replicas", () -> ShardMaps.replicasOn(cluster.map(), "n" + n4) >= 2);
      awaitPlacementMatchesMap(cluster, 1, 2, 3, n4);
      writer.close();
      assertAllReadable(cluster, writer.acked, n4);
      // The replicas it got by moves show in its metrics, like those a node starts with.
      for (ShardInfo s : cluster.map().getShardsList()) {
        if (s.getReplicasList().contains("n" + n4)) {
          assertThat(cluster.metrics(n4))
              .containsPattern(
                  "cairn_replica_applied_index\\{[^}]*shard=\"" + s.getShardId() + "\"");
        }
      }
    }
    ShardMap map = cluster.map();
    assertThat(map.getNodesList()).hasSize(4);
    for (ShardInfo s : map.getShardsList()) {
      assertThat(s.getReplicasList()).hasSize(3).doesNotHaveDuplicates();
    }
  }

  @Test
  void aDrainedNodeIsEmptiedThenRemovedAndItsIdCannotReturn() throws Exception {
    LocalCluster cluster = local.cluster();
    cluster.awaitLeaders();
    int n4 = cluster.addNode();
    awaitJoined(cluster, n4);
    try (Writer writer = new Writer(cluster, 100_000)) {
      await().atMost(SETTLE).until(() -> writer.acked.size() >= 50);
      assertThatThrownBy(
              () ->
                  retried(
                      () ->
                          cluster
                              .clusterApi(2)
                              .removeNode(RemoveNodeRequest.newBuilder().setNodeId("n1").build())))
          .isInstanceOf(StatusRuntimeException.class)
          .hasMessageContaining("FAILED_PRECONDITION")
          .hasMessageContaining("drain it first");

      retried(
          () ->
              cluster
                  .clusterApi(2)
                  .setNodeState(
                      SetNodeStateRequest.newBuilder()
                          .setNodeId("n1")
                          .setState(NodeState.NODE_DRAINING)
                          .build()));
      settles(cluster, "n1 drained", () -> ShardMaps.replicasOn(cluster.map(), "n1") == 0);
      awaitPlacementMatchesMap(cluster, 1, 2, 3, n4);
      writer.close();
      assertAllReadable(cluster, writer.acked, 2);
    }
    ShardMap removed =
        retried(
            () ->
                cluster
                    .clusterApi(3)
                    .removeNode(RemoveNodeRequest.newBuilder().setNodeId("n1").build()));
    assertThat(ShardMaps.node(removed, "n1").orElseThrow().getState())
        .isEqualTo(NodeState.NODE_REMOVED);
    assertThat(cluster.node(1).host().localGroups()).isEmpty();
  }

  @Test
  void aClusterThatChangedShapeRestartsFromTheMapsItSaved() throws Exception {
    LocalCluster cluster = local.cluster();
    cluster.awaitLeaders();
    int n4 = cluster.addNode();
    awaitJoined(cluster, n4);
    Map<String, String> acked;
    try (Writer writer = new Writer(cluster, 300)) {
      await().atMost(SETTLE).until(() -> writer.acked.size() >= 100);
      writer.close();
      acked = writer.acked;
    }
    ShardMap before = cluster.map();
    // The shards no longer sit where the seeds' configuration puts them: n4 holds some.
    assertThat(ShardMaps.replicasOn(before, "n" + n4)).isPositive();
    for (int i = 1; i <= n4; i++) {
      cluster.stop(i);
    }
    for (int i = 1; i <= n4; i++) {
      cluster.restart(i);
    }
    cluster.awaitLeaders();
    assertThat(cluster.map().getEpoch()).isGreaterThanOrEqualTo(before.getEpoch());
    assertAllReadable(cluster, acked, 1);
  }

  @Test
  void aNodeDownLongerThanTheTimeoutHasItsReplicasRecreatedElsewhere() throws Exception {
    LocalCluster cluster = local.cluster();
    cluster.awaitLeaders();
    int n4 = cluster.addNode();
    awaitJoined(cluster, n4);
    String dead = "n" + n4;
    assertThat(ShardMaps.replicasOn(cluster.map(), dead)).isPositive();
    long stoppedAt = System.currentTimeMillis();
    cluster.stop(n4);
    // cairnctl node list's "down since": the meta group's leader reports when its polls began to
    // fail, in its own NodeStatus, which any node's cluster status carries.
    long since =
        await(dead + " reported down by the meta leader")
            .atMost(SETTLE)
            .until(
                () ->
                    retried(() -> cluster.clusterApi(1).getClusterStatus(ALL))
                        .getNodesList()
                        .stream()
                        .filter(n -> n.containsDownSinceUnixMs(dead))
                        .mapToLong(n -> n.getDownSinceUnixMsOrThrow(dead))
                        .min(),
                OptionalLong::isPresent)
            .getAsLong();
    assertThat(since).isBetween(stoppedAt - 1_000, System.currentTimeMillis());
    // The default timeout is 30 minutes; this cluster's is set to 3 s (extension below).
    settles(
        cluster,
        dead + "'s replicas re-created on the others",
        () -> ShardMaps.replicasOn(cluster.map(), dead) == 0 && settled(cluster.map()));
    for (ShardInfo s : ShardMaps.groups(cluster.map())) {
      assertThat(s.getReplicasList()).doesNotContain(dead);
    }
    for (ShardInfo s : cluster.map().getShardsList()) {
      assertThat(s.getReplicasList()).hasSize(3);
    }
    awaitPlacementMatchesMap(cluster, 1, 2, 3);
  }

  @Test
  void movesThatDoNotFitTheMapAreRefusedWithAReason() {
    LocalCluster cluster = local.cluster();
    cluster.awaitLeaders();
    ShardInfo s = cluster.shard(1);
    StatusRuntimeException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            StatusRuntimeException.class,
            () ->
                retried(
                    () ->
                        cluster
                            .clusterApi(1)
                            .moveReplica(
                                MoveReplicaRequest.newBuilder()
                                    .setShardId(1)
                                    .setFrom(s.getReplicas(0))
                                    .setTo("n9")
                                    .build())));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains("no node 'n9'");
  }
}

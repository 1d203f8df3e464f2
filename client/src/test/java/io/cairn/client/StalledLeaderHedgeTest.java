package io.cairn.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.client.FakeCluster.Fault;
import io.cairn.proto.GetRequest;
import io.cairn.proto.PutRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A leader that goes silent (paused, not dead: its connection stays open) against a fake 3-node
 * cluster: the client sends the same request to the next leader once the cluster names one.
 */
class StalledLeaderHedgeTest {
  private static final long STALL_MS = 50;

  private final FakeCluster cluster = new FakeCluster(3, 2, 3);
  private CairnClient client;

  @AfterEach
  void tearDown() {
    if (client != null) {
      client.close();
    }
    cluster.close();
  }

  /** Attempts that would wait 30 s for the silent leader: only a hedge answers sooner. */
  private CairnClient connect(long stallMs) throws Exception {
    client =
        CairnClient.connect(
            cluster
                .config()
                .requestTimeoutMs(60_000)
                .attemptTimeoutMsMax(30_000)
                .routingRefreshMsMin(10)
                .leaderStallMs(stallMs)
                .build());
    client.put("warm-up", "x").get(10, TimeUnit.SECONDS); // the routing is fetched
    return client;
  }

  private String otherReplica(int shard) {
    String leader = cluster.leaderOf(shard);
    return cluster.map().getShards(shard - 1).getReplicasList().stream()
        .filter(r -> !r.equals(leader))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aWriteStuckAtASilentLeaderIsSentToTheNewLeaderWithTheSameWriteId() throws Exception {
    connect(STALL_MS);
    String key = cluster.keyOnShard(1);
    String silent = cluster.leaderOf(1);
    String next = otherReplica(1);
    cluster.failNext(1, Fault.hanging());

    CompletableFuture<PutResult> put = client.put(key, "v");
    await().atMost(Duration.ofSeconds(5)).until(() -> puts(key).size() == 1);
    cluster.setLeader(1, next); // the others elected a leader; GetRouting names it

    PutResult result = put.get(10, TimeUnit.SECONDS);
    List<FakeCluster.Received> sent = puts(key);
    assertThat(sent).extracting(FakeCluster.Received::nodeId).containsExactly(silent, next);
    assertThat(sent.stream().map(r -> ((PutRequest) r.request()).getWriteId()).distinct())
        .hasSize(1);
    assertThat(client.get(key).get(10, TimeUnit.SECONDS).version()).isEqualTo(result.version());
    assertThat(cluster.appliedWrites()).isEqualTo(2); // the warm-up and this one, once
  }

  @Test
  void aLinearizableReadStuckAtASilentLeaderIsAnsweredByTheNewLeader() throws Exception {
    connect(STALL_MS);
    String key = cluster.keyOnShard(2);
    client.put(key, "v").get(10, TimeUnit.SECONDS);
    String next = otherReplica(2);
    cluster.failNext(1, Fault.hanging());

    CompletableFuture<GetResult> get = client.get(key);
    await().atMost(Duration.ofSeconds(5)).until(() -> gets(key).size() == 1);
    cluster.setLeader(2, next);

    assertThat(get.get(10, TimeUnit.SECONDS).valueUtf8()).isEqualTo("v");
    assertThat(gets(key)).extracting(FakeCluster.Received::nodeId).endsWith(next);
  }

  @Test
  void aSlowLeaderThatTheClusterStillNamesGetsNoSecondCopy() throws Exception {
    connect(STALL_MS);
    String key = cluster.keyOnShard(1);
    cluster.holdNext(1);
    int routingCallsBefore = cluster.routingCalls();

    CompletableFuture<PutResult> put = client.put(key, "v");
    // The client asks the cluster who leads, several times, and the answer does not change.
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> cluster.routingCalls() >= routingCallsBefore + 3);
    assertThat(put).isNotDone();
    cluster.releaseHeld();

    put.get(10, TimeUnit.SECONDS);
    assertThat(puts(key)).hasSize(1);
    await().atMost(Duration.ofSeconds(5)).until(() -> client.hedgeWatching() == 0);
  }

  @Test
  void withTheHedgeOffAWriteWaitsForItsLeader() throws Exception {
    connect(0);
    String key = cluster.keyOnShard(1);
    cluster.holdNext(1);
    int routingCallsBefore = cluster.routingCalls();

    CompletableFuture<PutResult> put = client.put(key, "v");
    await().atMost(Duration.ofSeconds(5)).until(() -> cluster.heldCount() == 1);
    cluster.setLeader(1, otherReplica(1));
    // Nothing makes the client look: no refresh, no second copy, for ten stall times.
    await()
        .during(Duration.ofMillis(10 * STALL_MS))
        .atMost(Duration.ofSeconds(5))
        .until(() -> puts(key).size() == 1 && cluster.routingCalls() == routingCallsBefore);
    cluster.releaseHeld();
    put.get(10, TimeUnit.SECONDS);
  }

  private List<FakeCluster.Received> puts(String key) {
    return cluster.received().stream()
        .filter(r -> r.request() instanceof PutRequest p && p.getKey().toStringUtf8().equals(key))
        .toList();
  }

  private List<FakeCluster.Received> gets(String key) {
    return cluster.received().stream()
        .filter(r -> r.request() instanceof GetRequest g && g.getKey().toStringUtf8().equals(key))
        .toList();
  }
}

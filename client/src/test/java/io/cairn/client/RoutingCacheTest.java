package io.cairn.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.proto.ErrorDetail;
import io.cairn.proto.NodeInfo;
import io.cairn.proto.Routing;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Refresh rules of the routing cache, against a scripted routing source and a fake clock. */
class RoutingCacheTest {
  private final FakeClock clock = new FakeClock();
  private final List<Endpoint> asked = new ArrayList<>();
  private final List<CompletableFuture<Routing>> pending = new ArrayList<>();
  private final List<Endpoint> seeds = List.of(Endpoint.parse("a:1"), Endpoint.parse("b:1"));
  private final RoutingCache cache =
      new RoutingCache(
          seeds,
          endpoint -> {
            asked.add(endpoint);
            CompletableFuture<Routing> f = new CompletableFuture<>();
            pending.add(f);
            return f;
          },
          clock,
          100);

  private static Routing routing(long epoch, String leaderOfShard1) {
    ShardMap map =
        ShardMap.newBuilder()
            .setEpoch(epoch)
            .setVirtualNodesPerShard(4)
            .addNodes(NodeInfo.newBuilder().setId("n1").setHost("a").setClientPort(1))
            .addNodes(NodeInfo.newBuilder().setId("n2").setHost("b").setClientPort(1))
            .addShards(ShardInfo.newBuilder().setShardId(1).addReplicas("n1").addReplicas("n2"))
            .build();
    return Routing.newBuilder().setMap(map).putLeaders(1, leaderOfShard1).build();
  }

  private static CairnException error(Status.Code code, ErrorDetail detail) {
    return ErrorMapping.of("put", code, "test", detail, null);
  }

  @Test
  void concurrentRefreshesShareOneFetch() {
    CompletableFuture<RoutingView> first = cache.refresh();
    CompletableFuture<RoutingView> second = cache.refresh();
    cache.refreshSoon();
    assertThat(asked).hasSize(1);
    assertThat(second).isSameAs(first);

    pending.get(0).complete(routing(1, "n1"));
    assertThat(first).isCompleted();
    assertThat(cache.view().leaderOf(1)).contains("n1");
    cache.refresh();
    assertThat(asked).hasSize(2);
  }

  @Test
  void triggeredRefreshesAreRateLimited() {
    cache.refresh();
    pending.get(0).complete(routing(1, "n1"));
    cache.refreshSoon();
    assertThat(cache.refreshesStarted()).isEqualTo(1);
    clock.advanceMs(99);
    cache.refreshSoon();
    assertThat(cache.refreshesStarted()).isEqualTo(1);
    clock.advanceMs(1);
    cache.refreshSoon();
    assertThat(cache.refreshesStarted()).isEqualTo(2);
  }

  @Test
  void aSuspectedNodeIsAskedLastForAWhile() {
    cache.refresh();
    pending.get(0).complete(routing(1, "n1"));
    Endpoint n1 = Endpoint.parse("a:1");
    for (int i = 0; i < 4; i++) {
      asked.clear();
      clock.advanceMs(100);
      cache.suspect("n1");
      assertThat(asked).as("refresh %d", i).hasSize(1).doesNotContain(n1);
      pending.get(pending.size() - 1).complete(routing(1, "n1"));
    }
    clock.advanceMs(RoutingCache.SUSPECT_MS);
    List<Endpoint> firstAsked = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      asked.clear();
      clock.advanceMs(100);
      cache.refreshSoon();
      firstAsked.add(asked.get(0));
      pending.get(pending.size() - 1).complete(routing(1, "n1"));
    }
    assertThat(firstAsked).as("in turn again once the suspicion ran out").contains(n1);
  }

  @Test
  void aFailingEndpointIsSkippedForTheNextOne() {
    CompletableFuture<RoutingView> f = cache.refresh();
    pending.get(0).completeExceptionally(Status.UNAVAILABLE.asRuntimeException());
    assertThat(asked).hasSize(2).doesNotHaveDuplicates();
    pending.get(1).complete(routing(1, "n2"));
    assertThat(f.join().leaderOf(1)).contains("n2");
  }

  @Test
  void whenNoEndpointAnswersTheRefreshFailsAsUnavailable() {
    CompletableFuture<RoutingView> f = cache.refresh();
    pending
        .get(0)
        .completeExceptionally(Status.UNAVAILABLE.withDescription("refused").asRuntimeException());
    pending
        .get(1)
        .completeExceptionally(Status.UNAVAILABLE.withDescription("refused").asRuntimeException());
    assertThat(f).isCompletedExceptionally();
    assertThat(f.handle((v, e) -> e).join())
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("none of")
        .hasMessageContaining("refused");
    assertThat(cache.view()).isNull();
  }

  @Test
  void anOlderEpochNeverReplacesANewerOne() {
    cache.refresh();
    pending.get(0).complete(routing(5, "n1"));
    cache.refresh();
    pending.get(1).complete(routing(4, "n2"));
    assertThat(cache.view().epoch()).isEqualTo(5);
    assertThat(cache.view().leaderOf(1)).contains("n1");
  }

  @Test
  void laterRefreshesAskKnownNodesStartingAtRotatingPositions() {
    cache.refresh();
    pending.get(0).complete(routing(1, "n1"));
    cache.refresh();
    pending.get(1).complete(routing(1, "n1"));
    assertThat(asked.get(0)).isNotEqualTo(asked.get(1));
  }

  @Test
  void leaderHintsUpdateTheCacheAndUnknownNodesTriggerARefresh() {
    cache.refresh();
    pending.get(0).complete(routing(1, "n1"));
    cache.noteLeader(1, "n2");
    assertThat(cache.view().leaderOf(1)).contains("n2");
    assertThat(cache.refreshesStarted()).isEqualTo(1);

    clock.advanceMs(1_000);
    cache.noteLeader(1, "n9");
    assertThat(cache.view().leaderOf(1)).contains("n2");
    assertThat(cache.refreshesStarted()).isEqualTo(2);
  }

  @Test
  void aNewerEpochInAnErrorTriggersARefreshAndAnOlderOneDoesNot() {
    cache.refresh();
    pending.get(0).complete(routing(3, "n1"));
    clock.advanceMs(1_000);
    Target t = new Target(Endpoint.parse("a:1"), 1, "n1", true);

    cache.failed(
        t,
        null,
        error(Status.Code.FAILED_PRECONDITION, ErrorDetail.newBuilder().setMapEpoch(3).build()));
    assertThat(cache.refreshesStarted()).isEqualTo(1);
    cache.failed(
        t,
        null,
        error(Status.Code.FAILED_PRECONDITION, ErrorDetail.newBuilder().setMapEpoch(4).build()));
    assertThat(cache.refreshesStarted()).isEqualTo(2);
  }

  @Test
  void anUnavailableLeaderIsForgottenUnlessTheErrorNamesItAgain() {
    cache.refresh();
    pending.get(0).complete(routing(1, "n1"));
    Target toN1 = new Target(Endpoint.parse("a:1"), 1, "n1", true);

    cache.failed(
        toN1,
        "n1",
        error(
            Status.Code.UNAVAILABLE,
            ErrorDetail.newBuilder().setReason(ErrorDetail.Reason.NO_QUORUM).build()));
    assertThat(cache.view().leaderOf(1)).contains("n1");

    cache.failed(toN1, null, error(Status.Code.UNAVAILABLE, null));
    assertThat(cache.view().leaderOf(1)).isEmpty();

    cache.failed(
        toN1,
        null,
        error(Status.Code.UNAVAILABLE, ErrorDetail.newBuilder().setLeaderHint("n2").build()));
    assertThat(cache.view().leaderOf(1)).contains("n2");
  }

  @Test
  void aNodeThatWasNotReachedIsAvoidedForAMomentOrUntilItAnswers() {
    cache.refresh();
    pending.get(0).complete(routing(1, "n1"));
    Target toN1 = new Target(Endpoint.parse("a:1"), 1, "n1", true);
    RequestRouter router = new RequestRouter(cache, seeds, 0);

    cache.failed(
        toN1,
        null,
        error(
            Status.Code.UNAVAILABLE,
            ErrorDetail.newBuilder().setReason(ErrorDetail.Reason.NO_QUORUM).build()));
    assertThat(cache.avoid("n1")).as("it answered, saying why").isFalse();

    cache.failed(toN1, null, error(Status.Code.UNAVAILABLE, null));
    assertThat(cache.avoid("n1")).isTrue();
    // Its followers still name it as the leader until they elect another; a refresh says so too.
    cache.noteLeader(1, "n1");
    for (int i = 0; i < 4; i++) {
      assertThat(router.toShardLeader(cache.view(), 1).nodeId()).isEqualTo("n2");
    }

    clock.advanceMs(RoutingCache.UNREACHABLE_AVOID_MS);
    assertThat(cache.avoid("n1")).isFalse();
    assertThat(router.toShardLeader(cache.view(), 1).nodeId()).isEqualTo("n1");

    cache.failed(toN1, null, error(Status.Code.DEADLINE_EXCEEDED, null));
    assertThat(cache.avoid("n1")).isTrue();
    cache.answered(toN1, "n1");
    assertThat(cache.avoid("n1")).isFalse();
  }
}

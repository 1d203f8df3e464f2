package io.cairn.node.read;

import io.cairn.node.ops.RequestPathObserver;
import io.cairn.node.replica.RaftHost;
import io.cairn.node.replica.ShardStateMachine;
import io.cairn.node.replica.SnapshottingStateMachine;
import io.cairn.node.routing.PeerChannels;
import io.cairn.node.runtime.NodeClock;
import io.cairn.node.runtime.Scheduler;
import io.cairn.proto.internal.ConfirmLeadershipRequest;
import io.cairn.proto.internal.ConfirmLeadershipResponse;
import io.cairn.proto.internal.PeerGrpc;
import io.cairn.proto.internal.ReadResult;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;

/**
 * LINEARIZABLE reads served by this node's shard leaders, by the ReadIndex recipe with Cairn's own
 * leadership check: note the term and the commit index when the read arrives, confirm with a
 * majority that this replica still leads in that term (a {@link LeadershipQuorum} round that starts
 * after the read arrived, shared by the reads of one batch through {@link ConfirmationRounds}),
 * wait until the replica has applied that commit index, then read.
 */
final class LeaderReads {
  private final RaftHost host;
  private final PeerChannels peers;
  private final long confirmTimeoutMs;
  private final RequestPathObserver observer;
  private final NodeClock clock;
  private final Map<RaftGroupId, ConfirmationRounds<Long>> rounds = new ConcurrentHashMap<>();
  private final LeadershipQuorum.Hedge hedge;

  /**
   * Each peer's recent confirmation latency (ns, a moving average; a failure counts as the whole
   * timeout): a hedged round asks the quickest first.
   */
  private final Map<String, Long> latencyNanos = new ConcurrentHashMap<>();

  /** Reads waiting for the next round per group, for the metrics (reads per round). */
  private final Map<RaftGroupId, AtomicInteger> waiting = new ConcurrentHashMap<>();

  /**
   * @param confirmTimeoutMs how long a round waits for a replica's answer
   * @param hedge when a round asks the replicas a majority does not need ({@link #hedgedAfter})
   */
  LeaderReads(
      RaftHost host,
      PeerChannels peers,
      long confirmTimeoutMs,
      RequestPathObserver observer,
      NodeClock clock,
      LeadershipQuorum.Hedge hedge) {
    this.clock = clock;
    this.host = host;
    this.peers = peers;
    this.confirmTimeoutMs = confirmTimeoutMs;
    this.observer = observer;
    this.hedge = hedge;
  }

  /**
   * Reads {@code key} on the local replica, which must be the shard's ready leader; fails with
   * {@link LeadershipNotConfirmedException} otherwise or when the confirmation round fails.
   */
  CompletableFuture<ReadResult> read(RaftGroupId gid, String shard, byte[] key) {
    ShardStateMachine replica = host.shardReplica(gid).orElse(null);
    if (replica == null) {
      return CompletableFuture.failedFuture(
          new LeadershipNotConfirmedException(shard + ": no replica on this node"));
    }
    return confirmedRead(gid, shard, replica).thenApply(applied -> replica.core().read(key));
  }

  /**
   * Completes once {@code replica} (the local replica of {@code gid}) may serve a linearizable read
   * that arrived now: a majority confirmed it still leads in the term it had on arrival, and it has
   * applied everything committed by then. Completes with the applied index.
   */
  CompletableFuture<Long> confirmedRead(
      RaftGroupId gid, String what, SnapshottingStateMachine replica) {
    RaftServer.Division division = host.division(gid).orElse(null);
    if (division == null) {
      return CompletableFuture.failedFuture(
          new LeadershipNotConfirmedException(what + ": no replica on this node"));
    }
    DivisionInfo info = division.getInfo();
    // Term before commit index: if the term is still this one when the round confirms it, the
    // commit index was taken in this term too.
    long term = info.getCurrentTerm();
    if (!info.isLeader() || !info.isLeaderReady()) {
      return CompletableFuture.failedFuture(
          new LeadershipNotConfirmedException(what + ": this replica is not the ready leader"));
    }
    long readIndex = division.getRaftLog().getLastCommittedIndex();
    waiting.computeIfAbsent(gid, g -> new AtomicInteger()).incrementAndGet();
    return rounds
        .computeIfAbsent(gid, g -> new ConfirmationRounds<>(() -> round(g, what)))
        .next()
        .thenCompose(
            confirmed -> {
              if (confirmed != term) {
                throw new LeadershipNotConfirmedException(
                    what
                        + ": the read arrived in term "
                        + term
                        + " but the leadership confirmed is of term "
                        + confirmed);
              }
              return replica.awaitApplied(readIndex);
            });
  }

  private CompletableFuture<Long> round(RaftGroupId gid, String shard) {
    RaftServer.Division division = host.division(gid).orElse(null);
    if (division == null || !division.getInfo().isLeader()) {
      return CompletableFuture.failedFuture(
          new LeadershipNotConfirmedException(shard + ": this replica does not lead"));
    }
    long term = division.getInfo().getCurrentTerm();
    String self = host.nodeId();
    // During a membership change Ratis runs joint consensus: an entry commits only with a
    // majority of the old voters and a majority of the new ones, and either majority may have
    // elected a later leader. So the round must hear from a majority of each set (never of the
    // union: that need not intersect every majority of the old set). Listeners never vote.
    RaftConfiguration conf = division.getRaftConf();
    List<String> voters =
        conf.getCurrentPeers().stream().map(RaftPeer::getId).map(Object::toString).toList();
    List<String> oldVoters =
        conf.getPreviousPeers().stream().map(RaftPeer::getId).map(Object::toString).toList();
    if (!voters.contains(self) && !oldVoters.contains(self)) {
      return CompletableFuture.failedFuture(
          new LeadershipNotConfirmedException(shard + ": this node is not a voting replica"));
    }
    int reads = waiting.computeIfAbsent(gid, g -> new AtomicInteger()).getAndSet(0);
    long startNanos = clock.nanoTime();
    CompletableFuture<Long> confirmed = quorum(gid, shard, term, self, voters);
    if (!oldVoters.isEmpty()) {
      confirmed = confirmed.thenCombine(quorum(gid, shard, term, self, oldVoters), (t, u) -> t);
    }
    return confirmed.whenComplete(
        (t, e) -> observer.confirmationRound(clock.nanoTime() - startNanos, reads, e == null));
  }

  /** A round among {@code voters} (the leader among them or not). */
  private CompletableFuture<Long> quorum(
      RaftGroupId gid, String shard, long term, String self, List<String> voters) {
    List<String> others =
        voters.stream()
            .filter(id -> !id.equals(self))
            .sorted(Comparator.comparingLong(id -> latencyNanos.getOrDefault(id, 0L)))
            .toList();
    return LeadershipQuorum.run(
        shard,
        term,
        others,
        voters.contains(self),
        (peer, t) -> ask(peer, gid, t, self),
        t ->
            host.division(gid)
                .map(d -> d.getInfo().isLeader() && d.getInfo().getCurrentTerm() == t)
                .orElse(false),
        hedge);
  }

  /**
   * Rounds that first ask as many replicas as a majority needs, the quickest lately, and the others
   * after {@code hedgeMs} without enough yes (0: every replica at once).
   */
  static LeadershipQuorum.Hedge hedgedAfter(Scheduler scheduler, long hedgeMs) {
    return hedgeMs == 0
        ? LeadershipQuorum.ASK_ALL_AT_ONCE
        : askTheRest -> scheduler.schedule(askTheRest, hedgeMs);
  }

  /** Folds one answer's latency into the peer's moving average (weight 1/4). */
  private void sampleLatency(String peer, long nanos) {
    latencyNanos.merge(peer, nanos, (old, sample) -> old + (sample - old) / 4);
  }

  private CompletableFuture<Boolean> ask(String peer, RaftGroupId gid, long term, String self) {
    CompletableFuture<Boolean> answer = new CompletableFuture<>();
    var channel = peers.to(peer);
    if (channel.isEmpty()) {
      answer.complete(false);
      return answer;
    }
    long askedAt = clock.nanoTime();
    ConfirmLeadershipRequest req =
        ConfirmLeadershipRequest.newBuilder()
            .setGroupId(gid.getUuid().toString())
            .setTerm(term)
            .setLeaderId(self)
            .setTargetId(peer)
            .build();
    // Outside the calling read's gRPC context: the round is shared by many reads, and a call
    // started
    // in one read's context would be cancelled as soon as that read is answered or abandoned.
    Context.ROOT.run(
        () ->
            PeerGrpc.newStub(channel.get())
                .withExecutor(PeerChannels.ON_TRANSPORT_THREAD)
                .withDeadlineAfter(confirmTimeoutMs, TimeUnit.MILLISECONDS)
                .confirmLeadership(
                    req,
                    new StreamObserver<>() {
                      @Override
                      public void onNext(ConfirmLeadershipResponse r) {
                        sampleLatency(peer, clock.nanoTime() - askedAt);
                        answer.complete(r.getConfirmed());
                      }

                      @Override
                      public void onError(Throwable t) {
                        sampleLatency(peer, TimeUnit.MILLISECONDS.toNanos(confirmTimeoutMs));
                        if (Status.fromThrowable(t).getCode() == Status.Code.UNAVAILABLE) {
                          peers.reconnectSoon(peer);
                        }
                        answer.complete(false);
                      }

                      @Override
                      public void onCompleted() {
                        answer.complete(false); // no-op if onNext answered
                      }
                    }));
    return answer;
  }
}

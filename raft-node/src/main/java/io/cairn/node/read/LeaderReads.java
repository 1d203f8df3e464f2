package io.cairn.node.read;

import io.cairn.node.ops.RequestPathObserver;
import io.cairn.node.replica.RaftHost;
import io.cairn.node.replica.ShardStateMachine;
import io.cairn.node.replica.SnapshottingStateMachine;
import io.cairn.node.routing.PeerChannels;
import io.cairn.node.runtime.NodeClock;
import io.cairn.node.runtime.Scheduler;
import io.cairn.proto.internal.CommandBatch;
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
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftConfigurationProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerProto;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.raftlog.RaftLogIOException;

/**
 * LINEARIZABLE reads served by this node's shard leaders, by the ReadIndex recipe with Cairn's own
 * leadership check: note the term and the commit index when the read arrives, confirm with a
 * majority that this replica still leads in that term (a {@link LeadershipQuorum} round that starts
 * after the read arrived, shared by the reads of one batch through {@link ConfirmationRounds}),
 * wait until the replica has applied that commit index, then read.
 *
 * <p>With read leases on, a read that arrives while the leader's {@link ReadLease} holds skips the
 * round: no other replica can have been elected. A read that finds less than half of the lease left
 * (or none) has the leader propose a barrier entry in the background and, once it has committed,
 * confirm with a majority that they hold it and still follow; that extends the lease. The reads in
 * between take the round as before.
 */
final class LeaderReads {
  /** A shard entry that changes nothing (an empty batch), proposed to renew a read lease. */
  private static final byte[] BARRIER = CommandBatch.getDefaultInstance().toByteArray();

  private final RaftHost host;
  private final PeerChannels peers;
  private final long confirmTimeoutMs;
  private final RequestPathObserver observer;
  private final NodeClock clock;
  private final Map<RaftGroupId, ConfirmationRounds<Long>> rounds = new ConcurrentHashMap<>();
  private final LeadershipQuorum.Hedge hedge;
  private final boolean leasesEnabled;
  private final long electionTimeoutMsMin;
  private final Map<RaftGroupId, ReadLease> leases = new ConcurrentHashMap<>();
  private final Map<RaftGroupId, TermVerdict> termVerdicts = new ConcurrentHashMap<>();

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
   * @param leasesEnabled serve reads under a {@link ReadLease} when one holds (read.lease-enabled)
   * @param electionTimeoutMsMin raft.election-timeout-ms-min, which a lease's length derives from
   */
  LeaderReads(
      RaftHost host,
      PeerChannels peers,
      long confirmTimeoutMs,
      RequestPathObserver observer,
      NodeClock clock,
      LeadershipQuorum.Hedge hedge,
      boolean leasesEnabled,
      long electionTimeoutMsMin) {
    this.leasesEnabled = leasesEnabled;
    this.electionTimeoutMsMin = electionTimeoutMsMin;
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
    if (leasesEnabled && underLease(gid, division, term)) {
      observer.leaseRead();
      return replica.awaitApplied(readIndex);
    }
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

  /**
   * Whether this replica, the ready leader of {@code gid} in {@code term}, may serve a read now
   * without a round: its lease of this term and Raft configuration holds, it has not begun handing
   * leadership over in this term, and no voter outranks it (Ratis would hand leadership to one of
   * higher priority by itself). Both of those let a replica campaign at once, without waiting out
   * an election timeout, which is what the lease rests on. Proposes a barrier when the lease wants
   * renewing.
   */
  private boolean underLease(RaftGroupId gid, RaftServer.Division division, long term) {
    RaftConfiguration conf = division.getRaftConf();
    if (host.handOverStarted(gid, term) || !leasesAllowedInTerm(gid, division, term, conf)) {
      return false;
    }
    long confIndex = conf.getLogEntryIndex();
    ReadLease lease = leases.computeIfAbsent(gid, g -> new ReadLease());
    long now = clock.nanoTime();
    boolean holds = lease.holds(term, confIndex, now);
    if (lease.startRenewal(term, confIndex, now)) {
      proposeBarrier(gid, lease, term, confIndex);
    }
    return holds;
  }

  /**
   * Proposes an empty entry; once it commits, a round asks a majority of each voter set whether
   * they hold it and still follow this replica in {@code term} (a commit alone does not say so:
   * Ratis may append, and acknowledge, an entry after its replica voted in a later term). If they
   * do, and this replica still leads in {@code term} with the configuration at {@code confIndex},
   * the lease runs from the moment before the proposal.
   */
  private void proposeBarrier(RaftGroupId gid, ReadLease lease, long term, long confIndex) {
    long proposedAt = clock.nanoTime();
    CompletableFuture<RaftClientReply> committed;
    try {
      committed =
          host.submitWrite(gid, BARRIER, confirmTimeoutMs)
              .orTimeout(2 * confirmTimeoutMs, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      committed = CompletableFuture.failedFuture(e);
    }
    committed
        .thenCompose(
            reply ->
                reply.isSuccess() && leadsWith(gid, term, confIndex)
                    ? majorities(gid, "read lease of group " + gid, reply.getLogIndex())
                    : CompletableFuture.completedFuture(-1L))
        .whenComplete(
            (confirmedTerm, e) -> {
              try {
                if (e == null && confirmedTerm == term && leadsWith(gid, term, confIndex)) {
                  lease.grant(term, confIndex, proposedAt, electionTimeoutMsMin);
                }
              } finally {
                lease.renewalOver();
              }
            });
  }

  /**
   * Whether leases may be used in {@code term} at all: only if the term's first Raft configuration
   * (the copy of the one before that its leader appends on election) ranks no voter above this
   * replica, and no configuration seen since did. Ratis hands leadership to a voter of higher
   * priority by itself, and the message that makes that voter campaign at once may arrive late,
   * after the priorities were made equal; Cairn itself only ever proposes equal ones. When that
   * first configuration can no longer be read (a snapshot purged it), the term has no leases.
   */
  private boolean leasesAllowedInTerm(
      RaftGroupId gid, RaftServer.Division division, long term, RaftConfiguration conf) {
    boolean outranked = outranked(conf, division.getId());
    TermVerdict known = termVerdicts.get(gid);
    if (known == null || known.term() < term) {
      // Once per term and group; reads the log, so not under the map's lock.
      TermVerdict fresh =
          new TermVerdict(
              term, !outranked && firstConfigurationRanksNoneAbove(division, term, conf));
      known = termVerdicts.merge(gid, fresh, (old, mine) -> old.term() >= mine.term() ? old : mine);
    }
    if (known.term() != term) {
      return false; // a read that arrived in an older term
    }
    if (outranked && known.leasesAllowed()) {
      known =
          termVerdicts.merge(
              gid, new TermVerdict(term, false), (old, no) -> old.term() == term ? no : old);
    }
    return known.leasesAllowed() && !outranked;
  }

  /** Whether one term's leases are allowed ({@link #leasesAllowedInTerm}). */
  private record TermVerdict(long term, boolean leasesAllowed) {}

  /**
   * Whether the first entry of {@code term} in the local log, which a Ratis leader makes a copy of
   * its configuration, ranks no voter above this replica; false when it cannot be read.
   */
  private static boolean firstConfigurationRanksNoneAbove(
      RaftServer.Division division, long term, RaftConfiguration conf) {
    RaftLog log = division.getRaftLog();
    long lo = log.getStartIndex();
    long hi = conf.getLogEntryIndex();
    TermIndex atHi = log.getTermIndex(hi);
    if (atHi == null || atHi.getTerm() != term || hi < lo) {
      return false;
    }
    // Terms never decrease along the log: the first index of the term by bisection.
    while (lo < hi) {
      long mid = lo + (hi - lo) / 2;
      TermIndex at = log.getTermIndex(mid);
      if (at == null) {
        return false;
      }
      if (at.getTerm() < term) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    if (lo > 0) {
      TermIndex before = log.getTermIndex(lo - 1);
      if (before == null || before.getTerm() >= term) {
        return false; // the term's start lies before what the log still holds
      }
    }
    try {
      LogEntryProto first = log.get(lo);
      if (first == null || !first.hasConfigurationEntry()) {
        return false;
      }
      RaftConfigurationProto c = first.getConfigurationEntry();
      String self = division.getId().toString();
      Integer mine = null;
      int highest = Integer.MIN_VALUE;
      for (List<RaftPeerProto> peers : List.of(c.getPeersList(), c.getOldPeersList())) {
        for (RaftPeerProto p : peers) {
          highest = Math.max(highest, p.getPriority());
          if (mine == null && p.getId().toStringUtf8().equals(self)) {
            mine = p.getPriority();
          }
        }
      }
      return mine != null && highest <= mine;
    } catch (RaftLogIOException e) {
      return false;
    }
  }

  /** Whether the local replica of {@code gid} leads in {@code term} with that configuration. */
  private boolean leadsWith(RaftGroupId gid, long term, long confIndex) {
    return host.division(gid)
        .map(
            d ->
                d.getInfo().isLeader()
                    && d.getInfo().getCurrentTerm() == term
                    && d.getRaftConf().getLogEntryIndex() == confIndex)
        .orElse(false);
  }

  /** Whether a voter has a higher Raft priority than this replica (or it is not a voter). */
  private static boolean outranked(RaftConfiguration conf, RaftPeerId self) {
    Integer mine = null;
    int highest = Integer.MIN_VALUE;
    for (RaftPeer p : conf.getCurrentPeers()) {
      highest = Math.max(highest, p.getPriority());
      if (p.getId().equals(self)) {
        mine = p.getPriority();
      }
    }
    for (RaftPeer p : conf.getPreviousPeers()) {
      highest = Math.max(highest, p.getPriority());
      if (mine == null && p.getId().equals(self)) {
        mine = p.getPriority();
      }
    }
    return mine == null || highest > mine;
  }

  private CompletableFuture<Long> round(RaftGroupId gid, String shard) {
    int reads = waiting.computeIfAbsent(gid, g -> new AtomicInteger()).getAndSet(0);
    long startNanos = clock.nanoTime();
    return majorities(gid, shard, 0)
        .whenComplete(
            (t, e) -> observer.confirmationRound(clock.nanoTime() - startNanos, reads, e == null));
  }

  /**
   * Confirms with a majority of each voter set that this replica leads in its current term, whose
   * number it completes with; with {@code barrierIndex} not 0, each yes also holds that entry.
   */
  private CompletableFuture<Long> majorities(RaftGroupId gid, String shard, long barrierIndex) {
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
    CompletableFuture<Long> confirmed = quorum(gid, shard, term, self, voters, barrierIndex);
    if (!oldVoters.isEmpty()) {
      confirmed =
          confirmed.thenCombine(
              quorum(gid, shard, term, self, oldVoters, barrierIndex), (t, u) -> t);
    }
    return confirmed;
  }

  /** A round among {@code voters} (the leader among them or not). */
  private CompletableFuture<Long> quorum(
      RaftGroupId gid,
      String shard,
      long term,
      String self,
      List<String> voters,
      long barrierIndex) {
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
        (peer, t) -> ask(peer, gid, t, self, barrierIndex),
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
    return hedgeMs == 0 ? LeadershipQuorum.ASK_ALL_AT_ONCE : scheduler.delayLine(hedgeMs)::add;
  }

  /** Folds one answer's latency into the peer's moving average (weight 1/4). */
  private void sampleLatency(String peer, long nanos) {
    latencyNanos.merge(peer, nanos, (old, sample) -> old + (sample - old) / 4);
  }

  private CompletableFuture<Boolean> ask(
      String peer, RaftGroupId gid, long term, String self, long barrierIndex) {
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
            .setBarrierIndex(barrierIndex)
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

package io.cairn.node.read;

import com.google.protobuf.ByteString;
import io.cairn.node.config.NodeConfig;
import io.cairn.node.ops.RequestPathObserver;
import io.cairn.node.replica.RaftHost;
import io.cairn.node.replica.ReplicaNotReadyException;
import io.cairn.node.replica.ShardStateMachine;
import io.cairn.node.routing.BetweenLeaders;
import io.cairn.node.routing.LeaderHints;
import io.cairn.node.routing.NotLeaderHereException;
import io.cairn.node.routing.PeerChannels;
import io.cairn.node.routing.ReforwardOnLeaderChange;
import io.cairn.node.routing.RequestForwarder;
import io.cairn.node.routing.ShardDirectory.Route;
import io.cairn.node.runtime.NodeClock;
import io.cairn.node.runtime.Scheduler;
import io.cairn.proto.Consistency;
import io.cairn.proto.GetRequest;
import io.cairn.proto.internal.ReadResult;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Executes validated reads against the shard that owns them, on the path their consistency level
 * asks for (docs/consistency.md):
 *
 * <ul>
 *   <li>LINEARIZABLE: the leader, after a majority confirmed its term ({@link LeaderReads}); a node
 *       that does not lead forwards the read to the one that does ({@link RequestForwarder});
 *   <li>SESSION: the local replica once it has applied the client's token index, else the leader;
 *   <li>EVENTUAL: the local replica as it is, else the leader.
 * </ul>
 */
public final class ShardReads {
  private final NodeConfig config;
  private final RaftHost host;
  private final LeaderHints leaders;
  private final Scheduler scheduler;
  private final LeaderReads leaderReads;
  private final RequestForwarder forwarder;
  private final BetweenLeaders betweenLeaders;
  private final ReforwardOnLeaderChange reforward;

  public ShardReads(
      NodeConfig config,
      RaftHost host,
      LeaderHints leaders,
      PeerChannels peers,
      RequestForwarder forwarder,
      RequestPathObserver observer,
      NodeClock clock,
      Scheduler scheduler) {
    this.config = config;
    this.host = host;
    this.leaders = leaders;
    this.scheduler = scheduler;
    this.forwarder = forwarder;
    this.betweenLeaders = BetweenLeaders.of(config, host, clock, scheduler);
    this.reforward = new ReforwardOnLeaderChange(host.leaderEvents(), leaders::leaderOf, clock);
    this.leaderReads =
        new LeaderReads(
            host,
            peers,
            config.read().confirmTimeoutMs(),
            observer,
            clock,
            LeaderReads.hedgedAfter(scheduler, config.read().confirmHedgeMs()),
            config.read().leaseEnabled(),
            config.raft().electionTimeoutMsMin());
  }

  /**
   * Reads {@code key} at {@code consistency}.
   *
   * @param forwarded the request was forwarded here by another node: serve it or fail it, never
   *     forward it again
   */
  public CompletableFuture<ReadResult> read(
      Route route,
      byte[] key,
      Consistency consistency,
      long minIndex,
      long timeoutMs,
      boolean forwarded) {
    CompletableFuture<ReadResult> f =
        switch (consistency) {
          case SESSION -> sessionRead(route, key, minIndex, timeoutMs, forwarded);
          case EVENTUAL -> eventualRead(route, key, timeoutMs, forwarded);
          default -> heldLinearizableRead(route, key, timeoutMs, forwarded);
        };
    return scheduler.withTimeout(f, timeoutMs);
  }

  /**
   * From the local replica if it has its state; else (no replica here, or one still loading it,
   * such as a move's new replica installing its snapshot) through the leader. The loading case once
   * escaped as an uncaught exception, an UNKNOWN error to the client (found by the chaos suite's
   * grow-and-shrink run).
   */
  private CompletableFuture<ReadResult> eventualRead(
      Route route, byte[] key, long timeoutMs, boolean forwarded) {
    Optional<ShardStateMachine> local = host.shardReplica(route.groupId());
    if (local.isPresent()) {
      try {
        ReadResult r = local.get().core().read(key);
        if (!r.hasNotServed()) {
          return CompletableFuture.completedFuture(r);
        }
        // This replica does not serve the key (a split moved it, or this replica of a new shard
        // has not applied its activation yet): the leader's state decides.
      } catch (ReplicaNotReadyException loading) {
        // Falls through to the leader.
      }
    }
    return heldLinearizableRead(route, key, timeoutMs, forwarded);
  }

  /**
   * A LINEARIZABLE read, held across an election when it came from a client ({@link
   * BetweenLeaders}); a forwarded one fails fast, as the node that forwarded it holds it, unless
   * this node has just been elected and will serve it in a moment.
   */
  private CompletableFuture<ReadResult> heldLinearizableRead(
      Route route, byte[] key, long timeoutMs, boolean forwarded) {
    return forwarded && !host.isLeaderNotReadyYet(route.groupId())
        ? linearizableRead(route, key, timeoutMs, true)
        : betweenLeaders.run(
            route.groupId(), timeoutMs, left -> linearizableRead(route, key, left, forwarded));
  }

  private CompletableFuture<ReadResult> linearizableRead(
      Route route, byte[] key, long timeoutMs, boolean forwarded) {
    if (config.debug().unsafeLocalReads()) {
      // DEBUG ONLY (debug.unsafe-local-reads): a replica that merely believes it leads answers
      // from its own state. A deposed leader cut off by a partition serves stale data this way.
      Optional<ShardStateMachine> local = host.shardReplica(route.groupId());
      boolean believesLeader =
          host.division(route.groupId()).map(d -> d.getInfo().isLeader()).orElse(false);
      if (local.isPresent() && believesLeader) {
        return CompletableFuture.completedFuture(local.get().core().read(key));
      }
    }
    String shard = "shard " + route.shardId();
    if (host.isReadyLeader(route.groupId())) {
      return leaderReads.read(route.groupId(), shard, key);
    }
    String leader = leaders.forwardTarget(route);
    if (forwarded || leader.equals(host.nodeId())) {
      return CompletableFuture.failedFuture(
          new NotLeaderHereException(
              shard + ": this node (" + host.nodeId() + ") does not lead it right now"));
    }
    GetRequest req =
        GetRequest.newBuilder()
            .setKey(ByteString.copyFrom(key))
            .setConsistency(Consistency.LINEARIZABLE)
            .build();
    CompletableFuture<ReadResult> forward =
        forwarder
            .get(leader, route, req, timeoutMs)
            .thenApply(
                r -> {
                  ReadResult.Builder b =
                      ReadResult.newBuilder()
                          .setFound(r.getFound())
                          .setAppliedIndex(r.getToken().getIndex());
                  if (r.getFound()) {
                    b.setValue(r.getValue()).setVersion(r.getVersion());
                  }
                  return b.build();
                });
    return reforward.watch(
        route.groupId(),
        leader,
        timeoutMs,
        forward,
        left -> heldLinearizableRead(route, key, left, false));
  }

  private CompletableFuture<ReadResult> sessionRead(
      Route route, byte[] key, long minIndex, long timeoutMs, boolean forwarded) {
    Optional<ShardStateMachine> local = host.shardReplica(route.groupId());
    if (local.isEmpty()) {
      return heldLinearizableRead(route, key, timeoutMs, forwarded);
    }
    ShardStateMachine replica = local.get();
    long waitMs = Math.min(config.read().sessionWaitMsMax(), timeoutMs);
    return scheduler
        .withTimeout(replica.awaitApplied(minIndex), waitMs)
        .thenApply(applied -> replica.core().read(key))
        // This replica lags the client's session: the leader is always fresh enough.
        .exceptionallyCompose(e -> heldLinearizableRead(route, key, timeoutMs, forwarded))
        // This replica does not serve the key (a split moved it, or it has not applied its new
        // shard's activation yet): the leader's state decides.
        .thenCompose(
            r ->
                r.hasNotServed()
                    ? heldLinearizableRead(route, key, timeoutMs, forwarded)
                    : CompletableFuture.completedFuture(r));
  }
}

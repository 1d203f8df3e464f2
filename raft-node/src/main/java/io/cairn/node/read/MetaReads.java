package io.cairn.node.read;

import io.cairn.node.ops.RequestPathObserver;
import io.cairn.node.replica.MetaStateMachine;
import io.cairn.node.replica.RaftHost;
import io.cairn.node.routing.PeerChannels;
import io.cairn.node.runtime.NodeClock;
import io.cairn.proto.ShardMap;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * LINEARIZABLE reads of the meta group's shard map, served by the meta group's leader with the same
 * leadership confirmation as data reads ({@link LeaderReads}).
 *
 * <p>Why not Ratis's ReadIndex: the chaos suite saw it answer from a leader cut off from its
 * followers (it can skip its heartbeat round), and the map is what membership changes are computed
 * from, so a stale one would be acted on.
 */
public final class MetaReads {
  private final RaftHost host;
  private final LeaderReads leaderReads;

  public MetaReads(
      RaftHost host,
      PeerChannels peers,
      long confirmTimeoutMs,
      RequestPathObserver observer,
      NodeClock clock) {
    this.host = host;
    // Every replica asked at once: the meta group's reads are few, and so no lease either.
    this.leaderReads =
        new LeaderReads(
            host,
            peers,
            confirmTimeoutMs,
            observer,
            clock,
            LeadershipQuorum.ASK_ALL_AT_ONCE,
            false,
            0);
  }

  /**
   * The meta group's map (empty before bootstrap) if the local meta replica leads and a majority
   * confirms it; fails with {@link LeadershipNotConfirmedException} otherwise.
   */
  public CompletableFuture<Optional<ShardMap>> read() {
    MetaStateMachine replica = host.metaReplica().orElse(null);
    if (replica == null) {
      return CompletableFuture.failedFuture(
          new LeadershipNotConfirmedException("meta group: no replica on this node"));
    }
    return leaderReads
        .confirmedRead(host.metaGroupId(), "meta group", replica)
        .thenApply(applied -> replica.currentMap());
  }
}

package io.cairn.node.membership;

import io.cairn.node.routing.PeerChannels;
import io.cairn.node.runtime.NodeClock;
import io.cairn.proto.NodeInfo;
import io.cairn.proto.NodeState;
import io.cairn.proto.ShardMap;
import io.cairn.proto.internal.PeerGrpc;
import io.cairn.proto.internal.ReplicaReadyRequest;
import io.cairn.proto.internal.ReplicaReadyResponse;
import io.cairn.statemachine.RebalancePlan.Liveness;
import io.grpc.stub.StreamObserver;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Which nodes answer, as the rebalancer sees them: every poll asks each node of the map a trivial
 * question over its peer port; any answer means up. "Down since" is soft state of the node that
 * polls (the meta group's leader): a new leader starts counting afresh, which only delays
 * re-replication, never hastens it.
 */
final class NodeLiveness {
  private final PeerChannels peers;
  private final NodeClock clock;
  private final String self;
  private final long callTimeoutMs;
  // Node id to the time of the first failed poll since it last answered; absent: answering.
  private final Map<String, Long> downSince = new ConcurrentHashMap<>();

  NodeLiveness(PeerChannels peers, NodeClock clock, String self, long callTimeoutMs) {
    this.peers = peers;
    this.clock = clock;
    this.self = self;
    this.callTimeoutMs = callTimeoutMs;
  }

  /** Asks every node of the map once; the answers arrive in the background. */
  void poll(ShardMap map) {
    for (NodeInfo node : map.getNodesList()) {
      if (node.getId().equals(self) || node.getState() == NodeState.NODE_REMOVED) {
        continue;
      }
      String id = node.getId();
      PeerGrpc.newStub(peers.to(node))
          .withDeadlineAfter(callTimeoutMs, TimeUnit.MILLISECONDS)
          .replicaReady(
              ReplicaReadyRequest.newBuilder().setGroupId(map.getMeta().getGroupId()).build(),
              new StreamObserver<ReplicaReadyResponse>() {
                @Override
                public void onNext(ReplicaReadyResponse r) {
                  downSince.remove(id);
                }

                @Override
                public void onError(Throwable t) {
                  downSince.putIfAbsent(id, TimeUnit.NANOSECONDS.toMillis(clock.nanoTime()));
                  peers.reconnectSoon(id);
                }

                @Override
                public void onCompleted() {}
              });
    }
  }

  /** Each node's liveness now; nodes never seen failing are up. */
  Map<String, Liveness> snapshot(long downTooLongMs) {
    long now = TimeUnit.NANOSECONDS.toMillis(clock.nanoTime());
    Map<String, Liveness> out = new HashMap<>();
    downSince.forEach(
        (id, since) ->
            out.put(id, now - since >= downTooLongMs ? Liveness.DOWN_TOO_LONG : Liveness.DOWN));
    return out;
  }

  /**
   * The nodes not answering now, each with the wall-clock time of the first failed poll (for {@code
   * cairnctl node list}); empty unless this node polls, that is leads the meta group.
   */
  Map<String, Long> downSinceWallMs() {
    long nowMs = TimeUnit.NANOSECONDS.toMillis(clock.nanoTime());
    long nowWallMs = clock.wallMs();
    Map<String, Long> out = new HashMap<>();
    downSince.forEach((id, since) -> out.put(id, nowWallMs - (nowMs - since)));
    return out;
  }

  /** Forgets everything (this node stopped leading the meta group). */
  void reset() {
    downSince.clear();
  }
}

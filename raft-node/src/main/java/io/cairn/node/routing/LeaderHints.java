package io.cairn.node.routing;

import io.cairn.node.replica.RaftHost;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.ratis.protocol.RaftGroupId;

/**
 * Who leads a shard, as far as this node knows: its own replica's view when it hosts one that knows
 * a leader, else what forwarding to the shard last taught it. A hint, never a promise: it goes to
 * clients (the {@code cairn-leader} header) and picks the node a request is forwarded to.
 * Thread-safe.
 */
public final class LeaderHints {
  private final RaftHost host;
  private final Map<RaftGroupId, String> learned = new ConcurrentHashMap<>();

  public LeaderHints(RaftHost host) {
    this.host = host;
  }

  public Optional<String> leaderOf(RaftGroupId gid) {
    Optional<String> local = host.leaderOf(gid);
    return local.isPresent() ? local : Optional.ofNullable(learned.get(gid));
  }

  /**
   * The node to forward a request for {@code route}'s shard to: the known leader, else the replica
   * that placement prefers as leader (it has the highest Raft priority).
   */
  public String forwardTarget(ShardDirectory.Route route) {
    return leaderOf(route.groupId()).orElse(route.shard().getReplicas(0));
  }

  /** Forwarding found (or was told) that {@code nodeId} leads the group. */
  void learned(RaftGroupId gid, String nodeId) {
    learned.put(gid, nodeId);
  }
}

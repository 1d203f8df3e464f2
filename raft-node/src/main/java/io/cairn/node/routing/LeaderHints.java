package io.cairn.node.routing;

import io.cairn.node.replica.RaftHost;
import io.cairn.statemachine.ShardMaps;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.ratis.protocol.RaftGroupId;

/**
 * Who leads a shard, as far as this node knows: its own replica's view when it hosts one that knows
 * a leader, else what forwarding to the shard last taught it. A hint, never a promise: it goes to
 * clients (the {@code cairn-leader} header) and picks the node a request is forwarded to.
 * Thread-safe.
 */
public final class LeaderHints {
  private final String self;
  private final Function<RaftGroupId, Optional<String>> localView;
  private final Map<RaftGroupId, String> learned = new ConcurrentHashMap<>();

  public LeaderHints(RaftHost host) {
    this(host.nodeId(), host::leaderOf);
  }

  /**
   * @param localView the leader as this node's own live replica of a group sees it, if it has one
   */
  LeaderHints(String self, Function<RaftGroupId, Optional<String>> localView) {
    this.self = self;
    this.localView = localView;
  }

  public Optional<String> leaderOf(RaftGroupId gid) {
    Optional<String> local = localView.apply(gid);
    if (local.isPresent()) {
      return local;
    }
    String hint = learned.get(gid);
    if (self.equals(hint)) {
      // Learned while this node led the group; it holds no live replica of it now (it moved
      // away), so it cannot lead: a request it refused as "the leader" would find no way on.
      learned.remove(gid, hint);
      return Optional.empty();
    }
    return Optional.ofNullable(hint);
  }

  /**
   * The node to forward a request for {@code route}'s shard to: the known leader, else the replica
   * that placement prefers as leader (leadership is handed to it). A learned leader that the map no
   * longer names for the shard (its replica moved away, or its node was removed) is forgotten: it
   * can no longer lead, and asking it would fail until some answer taught otherwise - which none
   * would, a removed node being gone (found by the grow-and-shrink chaos run, seed 16).
   */
  public String forwardTarget(ShardDirectory.Route route) {
    Optional<String> leader = leaderOf(route.groupId());
    if (leader.isPresent() && !ShardMaps.names(route.shard(), leader.get())) {
      learned.remove(route.groupId(), leader.get());
      leader = Optional.empty();
    }
    return leader.orElse(route.shard().getReplicas(0));
  }

  /** Forwarding found (or was told) that {@code nodeId} leads the group. */
  void learned(RaftGroupId gid, String nodeId) {
    learned.put(gid, nodeId);
  }

  /**
   * Forwarding to {@code nodeId} found it unreachable: forget it as the group's leader, so the next
   * request goes to the map's preferred replica, whose answer names the leader if it is not.
   */
  void unreachable(RaftGroupId gid, String nodeId) {
    learned.remove(gid, nodeId);
  }
}

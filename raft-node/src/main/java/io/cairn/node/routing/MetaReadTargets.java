package io.cairn.node.routing;

import io.cairn.proto.NodeInfo;
import io.cairn.proto.ShardMap;
import io.cairn.statemachine.ShardMaps;
import java.util.ArrayList;
import java.util.List;

/**
 * Which node {@link MetaBootstrap} asks for the shard map next: the node that last answered, or the
 * leader a refusal named, else the meta group's replicas in turn, and after a round of them that
 * all failed, every node of the map in turn. Not thread-safe (the bootstrap's ticks run one at a
 * time).
 *
 * <p>The map used to pick is this node's own copy, which is old exactly when it matters. So a named
 * leader is followed even if that copy does not list it in the meta group: the group may have taken
 * it in since (chaos seed 15 in CI, 2026-12-06: n5 joined the meta group and won its election
 * before n3 read the map that named it; n3 dropped every "ask n5" as not a meta replica, asked the
 * old replicas in turn for good, and never learned of the move that was to give it a replica, so
 * the move waited for it for ever). And the fallback takes in every node: a meta group that moved
 * entirely off the nodes an old copy names is still found through any node hosting a replica.
 */
final class MetaReadTargets {
  /**
   * Hints followed in a row before a turn of the rotation: two stale replicas may name each other.
   */
  static final int HINTS_IN_A_ROW_MAX = 3;

  private String next;
  private int hintsInARow;
  private int failuresInARow;
  private int rotation;

  /** The node to ask now. */
  String next(ShardMap map) {
    if (next != null && hintsInARow <= HINTS_IN_A_ROW_MAX) {
      return next;
    }
    next = null;
    hintsInARow = 0;
    List<String> candidates = new ArrayList<>(ShardMaps.wantedVoters(map.getMeta()));
    for (String r : map.getMeta().getReplicasList()) {
      if (!candidates.contains(r)) {
        candidates.add(r);
      }
    }
    if (failuresInARow >= candidates.size()) {
      for (NodeInfo n : map.getNodesList()) {
        if (!candidates.contains(n.getId())) {
          candidates.add(n.getId());
        }
      }
    }
    if (candidates.isEmpty()) {
      throw new IllegalStateException("the shard map names no node to ask for the map");
    }
    return candidates.get(Math.floorMod(rotation++, candidates.size()));
  }

  /** {@code target} answered: ask it again next time. */
  void answered(String target) {
    next = target;
    hintsInARow = 0;
    failuresInARow = 0;
  }

  /**
   * {@code target} did not answer with a map; {@code leaderHint} is the leader its refusal named,
   * empty if none.
   *
   * @return whether to ask again soon: a leader was named
   */
  boolean failed(String target, String leaderHint) {
    failuresInARow++;
    if (!leaderHint.isEmpty() && !leaderHint.equals(target)) {
      next = leaderHint;
      hintsInARow++;
      return true;
    }
    next = null;
    hintsInARow = 0;
    return false;
  }
}

package io.cairn.statemachine;

import io.cairn.proto.NodeInfo;
import io.cairn.proto.NodeState;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One step of the rebalancer: from the meta group's map and what is known of each node's liveness,
 * the next map. In order:
 *
 * <ol>
 *   <li>moves to a node that may no longer take replicas (draining, removed, down too long) are
 *       cancelled;
 *   <li>new moves towards the placement {@link ReplicaPlanner} wants, while fewer than {@code
 *       movesMax} are in progress, one per group;
 *   <li>once nothing moves, preferred leaders (each group's first replica) evened out with {@link
 *       LeaderPlanner}.
 * </ol>
 *
 * Pure and deterministic; returns {@code map} itself when there is nothing to do.
 */
public final class RebalancePlan {
  /** What the rebalancer knows of a node beyond the map: whether it answers, and since when not. */
  public enum Liveness {
    UP,
    /** Not answering, for less than the down-node timeout. */
    DOWN,
    /** Not answering for longer than the down-node timeout: its replicas go elsewhere. */
    DOWN_TOO_LONG
  }

  private RebalancePlan() {}

  /**
   * @param liveness of each node; a node absent here counts as {@link Liveness#UP}
   */
  public static ShardMap next(ShardMap map, Map<String, Liveness> liveness, int movesMax) {
    Map<String, ReplicaPlanner.Role> roles = roles(map, liveness);
    ShardMap out = cancelMovesToUnfitNodes(map, roles);
    int moving = (int) ShardMaps.groups(out).stream().filter(ShardMaps::moving).count();
    if (moving < movesMax) {
      out = startMoves(out, roles, movesMax - moving);
    }
    if (ShardMaps.groups(out).stream().noneMatch(ShardMaps::moving)) {
      out = balanceLeaders(out, roles);
    }
    return out;
  }

  static Map<String, ReplicaPlanner.Role> roles(ShardMap map, Map<String, Liveness> liveness) {
    Map<String, ReplicaPlanner.Role> roles = new TreeMap<>();
    for (NodeInfo n : map.getNodesList()) {
      Liveness l = liveness.getOrDefault(n.getId(), Liveness.UP);
      ReplicaPlanner.Role role;
      if (n.getState() != NodeState.NODE_ACTIVE || l == Liveness.DOWN_TOO_LONG) {
        role = ReplicaPlanner.Role.EVICTS;
      } else if (l == Liveness.DOWN) {
        role = ReplicaPlanner.Role.KEEPS;
      } else {
        role = ReplicaPlanner.Role.ACCEPTS;
      }
      roles.put(n.getId(), role);
    }
    return roles;
  }

  /** Replicas the meta group wants: 3, or 5 once 5 nodes are active. */
  static int metaWanted(ShardMap map) {
    long active =
        map.getNodesList().stream().filter(n -> n.getState() == NodeState.NODE_ACTIVE).count();
    return Math.max(Math.min(ShardPlacement.metaReplicas((int) active), 5), 1);
  }

  private static ShardMap cancelMovesToUnfitNodes(
      ShardMap map, Map<String, ReplicaPlanner.Role> roles) {
    ShardMap out = map;
    for (ShardInfo g : ShardMaps.groups(map)) {
      String to = g.getMove().getTo();
      if (ShardMaps.moving(g)
          && !to.isEmpty()
          && roles.getOrDefault(to, ReplicaPlanner.Role.EVICTS) == ReplicaPlanner.Role.EVICTS) {
        out = MembershipEdits.cancelMove(out, g.getShardId());
      }
    }
    return out;
  }

  private static ShardMap startMoves(
      ShardMap map, Map<String, ReplicaPlanner.Role> roles, int budget) {
    List<ReplicaPlanner.Group> groups = new ArrayList<>();
    for (ShardInfo g : ShardMaps.groups(map)) {
      int wanted =
          g.getShardId() == ShardPlacement.META_SHARD_ID
              ? metaWanted(map)
              : map.getReplicationFactor();
      // A group in the middle of a move is planned as if the move were done.
      groups.add(new ReplicaPlanner.Group(g.getShardId(), wanted, ShardMaps.wantedVoters(g)));
    }
    SortedMap<Integer, List<String>> target = ReplicaPlanner.plan(groups, roles);
    ShardMap out = map;
    for (ShardInfo g : ShardMaps.groups(map)) {
      if (budget == 0) {
        break;
      }
      if (ShardMaps.moving(g)) {
        continue;
      }
      List<String> now = g.getReplicasList();
      List<String> wanted = target.get(g.getShardId());
      String from = firstNotIn(now, wanted, roles);
      String to = wanted.stream().filter(n -> !now.contains(n)).findFirst().orElse("");
      if (from.isEmpty() && to.isEmpty()) {
        continue;
      }
      try {
        out =
            MembershipEdits.startMove(
                out, g.getShardId(), from, to, Math.min(now.size(), wanted.size()));
        budget--;
      } catch (IllegalArgumentException | IllegalStateException e) {
        // The planner and the edit's checks disagree only if the map changed under the plan; the
        // next step plans again.
      }
    }
    return out;
  }

  /** A replica to take away: one the target drops, evicting nodes first. */
  private static String firstNotIn(
      List<String> now, List<String> wanted, Map<String, ReplicaPlanner.Role> roles) {
    return now.stream()
        .filter(n -> !wanted.contains(n))
        .min(
            (a, b) ->
                Boolean.compare(
                    roles.get(a) != ReplicaPlanner.Role.EVICTS,
                    roles.get(b) != ReplicaPlanner.Role.EVICTS))
        .orElse("");
  }

  private static ShardMap balanceLeaders(ShardMap map, Map<String, ReplicaPlanner.Role> roles) {
    Map<Integer, List<String>> replicas = new TreeMap<>();
    Map<Integer, String> preferred = new TreeMap<>();
    Set<String> candidates = new HashSet<>();
    roles.forEach(
        (node, role) -> {
          if (role == ReplicaPlanner.Role.ACCEPTS) {
            candidates.add(node);
          }
        });
    for (ShardInfo s : map.getShardsList()) {
      String leader = s.getReplicas(0);
      // An operator's choice counts towards its node's leaders but is not moved, unless the node
      // is leaving (draining, removed, down too long); while it is briefly down it keeps it.
      boolean pinned = s.getLeaderPinned() && roles.get(leader) != ReplicaPlanner.Role.EVICTS;
      replicas.put(s.getShardId(), pinned ? List.of(leader) : s.getReplicasList());
      preferred.put(s.getShardId(), leader);
    }
    ShardMap out = map;
    for (LeaderPlanner.Transfer t : LeaderPlanner.plan(replicas, preferred, candidates)) {
      out = MembershipEdits.preferLeader(out, t.group(), t.to());
    }
    return out;
  }
}

package io.cairn.statemachine;

import io.cairn.proto.NodeInfo;
import io.cairn.proto.NodeState;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the meta group's leader checks in a shard map proposed to its log: only maps of the shape
 * Cairn's own code makes (MembershipEdits, ReplicaPlanner, the initial placement) get in. A map
 * with a node's address changed, a shard or group swapped, a removed node brought back or a replica
 * on a node the map does not list would send clients to a host of the proposer's choosing or wedge
 * the cluster; it is refused before it reaches the log.
 *
 * <p>Every rule holds between any two maps of the same cluster, not only consecutive ones, so the
 * check is sound against a held map that lags behind entries still in flight. Pure.
 */
public final class MapChangeCheck {
  private MapChangeCheck() {}

  /**
   * @param held the map the group holds, if any (none: {@code next} is an initial map)
   * @throws IllegalArgumentException naming the first rule {@code next} breaks
   */
  public static void check(Optional<ShardMap> held, ShardMap next) {
    Map<String, NodeInfo> nodes = wellFormedNodes(next, held);
    Set<Integer> shardIds = new HashSet<>();
    Set<String> groupIds = new HashSet<>();
    int filling = 0;
    for (ShardInfo s : next.getShardsList()) {
      if (s.getShardId() == ShardPlacement.META_SHARD_ID || !shardIds.add(s.getShardId())) {
        throw refused("shard id " + s.getShardId() + " is the meta group's or used twice");
      }
      if (s.getFilling() && ++filling > 1) {
        throw refused("more than one shard is filling; shards are added one at a time");
      }
    }
    for (ShardInfo g : ShardMaps.groups(next)) {
      if (g.getGroupId().isEmpty() || !groupIds.add(g.getGroupId())) {
        throw refused("group id '" + g.getGroupId() + "' is empty or used twice");
      }
      Set<String> replicas = new HashSet<>();
      for (String r : g.getReplicasList()) {
        if (!replicas.add(r)) {
          throw refused(what(g) + " names replica " + r + " twice");
        }
        requireListed(nodes, g, r);
      }
      if (g.hasMove()) {
        for (String end : new String[] {g.getMove().getFrom(), g.getMove().getTo()}) {
          if (!end.isEmpty()) {
            requireListed(nodes, g, end);
          }
        }
      }
    }
    try {
      AuthRules.check(next.getAuth());
    } catch (IllegalArgumentException e) {
      throw refused("its users and roles: " + e.getMessage());
    }
    if (held.isEmpty()) {
      return;
    }
    ShardMap before = held.get();
    if (!before.getClusterId().equals(next.getClusterId())) {
      throw refused(
          "its cluster id is '" + next.getClusterId() + "', not '" + before.getClusterId() + "'");
    }
    if (before.getVirtualNodesPerShard() != next.getVirtualNodesPerShard()) {
      throw refused("it changes virtual_nodes_per_shard, which would move keys between shards");
    }
    checkShardsOnlyGrow(before, next);
    for (NodeInfo old : before.getNodesList()) {
      NodeInfo now = nodes.get(old.getId());
      if (now == null) {
        throw refused("node " + old.getId() + " is missing (removed nodes stay listed as REMOVED)");
      }
      if (!MembershipEdits.sameAddresses(old, now)) {
        throw refused(
            "node " + old.getId() + "'s addresses changed; a node's addresses never change");
      }
      if (old.getState() == NodeState.NODE_REMOVED && now.getState() != NodeState.NODE_REMOVED) {
        throw refused("node " + old.getId() + " was removed and cannot come back");
      }
    }
  }

  /**
   * The nodes of {@code map} by id. A node the held map already lists with the same addresses is
   * not checked again: its id and host were accepted by the rules of their day, and a stricter rule
   * since must not make every later change of the map fail.
   */
  private static Map<String, NodeInfo> wellFormedNodes(ShardMap map, Optional<ShardMap> held) {
    Map<String, NodeInfo> known = new HashMap<>();
    held.ifPresent(h -> h.getNodesList().forEach(n -> known.put(n.getId(), n)));
    Map<String, NodeInfo> nodes = new HashMap<>();
    for (NodeInfo n : map.getNodesList()) {
      NodeInfo before = known.get(n.getId());
      try {
        if (before == null || !MembershipEdits.sameAddresses(before, n)) {
          MembershipEdits.validate(n);
        }
      } catch (IllegalArgumentException e) {
        throw refused(e.getMessage());
      }
      if (nodes.put(n.getId(), n) != null) {
        throw refused("it lists node " + n.getId() + " twice");
      }
    }
    return nodes;
  }

  private static void requireListed(Map<String, NodeInfo> nodes, ShardInfo g, String nodeId) {
    if (!nodes.containsKey(nodeId)) {
      throw refused(what(g) + " names node " + nodeId + ", which the map does not list");
    }
  }

  /**
   * Shards are only ever added (docs/shard-split.md): every shard of {@code before} is in {@code
   * next} with the same group id, and a shard that serves keys in {@code before} still serves in
   * {@code next} (a shard that left the key ring would strand its keys).
   */
  private static void checkShardsOnlyGrow(ShardMap before, ShardMap next) {
    Map<Integer, String> nextGroups = groupsById(next);
    for (Map.Entry<Integer, String> e : groupsById(before).entrySet()) {
      if (!e.getValue().equals(nextGroups.get(e.getKey()))) {
        throw refused(
            ShardMaps.describe(e.getKey())
                + " is missing or has another group id than in the held map; shards are only"
                + " added, and a shard's group never changes");
      }
    }
    Map<Integer, Boolean> nextFilling = new HashMap<>();
    next.getShardsList().forEach(s -> nextFilling.put(s.getShardId(), s.getFilling()));
    for (ShardInfo s : before.getShardsList()) {
      if (!s.getFilling() && nextFilling.get(s.getShardId())) {
        throw refused(
            ShardMaps.describe(s.getShardId())
                + " serves keys in the held map; it cannot go back to filling");
      }
    }
  }

  /** Shard id (the meta group's too) to group id. */
  private static Map<Integer, String> groupsById(ShardMap map) {
    Map<Integer, String> out = new HashMap<>();
    out.put(ShardPlacement.META_SHARD_ID, map.getMeta().getGroupId());
    map.getShardsList().forEach(s -> out.put(s.getShardId(), s.getGroupId()));
    return out;
  }

  private static String what(ShardInfo g) {
    return ShardMaps.describe(g.getShardId());
  }

  private static IllegalArgumentException refused(String why) {
    return new IllegalArgumentException("shard map refused: " + why);
  }
}

package io.cairn.statemachine;

import io.cairn.proto.NodeInfo;
import io.cairn.proto.NodeState;
import io.cairn.proto.ReplicaMove;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The shard-map edits behind membership commands: each takes the meta group's current map and
 * returns the next one (or the same map when there is nothing to do, so a retried command is a
 * no-op). A refused edit throws {@link IllegalArgumentException} (the request names something that
 * does not fit the map) or {@link IllegalStateException} (the cluster is not in a state that allows
 * it yet), each with a message that tells the operator what to do. Pure: the epoch is set by the
 * caller that proposes the result.
 */
public final class MembershipEdits {
  private MembershipEdits() {}

  /**
   * The map with {@code node} as an ACTIVE member; with {@code lostData}, also without the replicas
   * it held ({@link #dropLostReplicas}).
   */
  public static ShardMap addNode(ShardMap map, NodeInfo node, boolean lostData) {
    ShardMap added = addNode(map, node);
    return lostData ? dropLostReplicas(added, node.getId()) : added;
  }

  /**
   * The map without node {@code nodeId}'s replicas, which its lost data dir no longer holds: each
   * group's leader then removes it from the Raft configuration (its remaining voters are a majority
   * of the old ones), and the rebalancer adds replicas back where placement wants them, the node
   * included, as new members caught up before they vote. Moves to or from the node are cancelled.
   * Unchanged if the map names it nowhere.
   *
   * @throws IllegalStateException if the node held the only replica of a group (that data is gone;
   *     nothing in the cluster can bring it back)
   */
  public static ShardMap dropLostReplicas(ShardMap map, String nodeId) {
    ShardMap out = map;
    for (ShardInfo g : ShardMaps.groups(map)) {
      boolean voter = g.getReplicasList().contains(nodeId);
      boolean inMove =
          ShardMaps.moving(g)
              && (g.getMove().getTo().equals(nodeId) || g.getMove().getFrom().equals(nodeId));
      if (!voter && !inMove) {
        continue;
      }
      ShardInfo.Builder b = g.toBuilder();
      if (inMove) {
        b.clearMove();
      }
      if (voter) {
        if (g.getReplicasCount() == 1) {
          throw new IllegalStateException(
              ShardMaps.describe(g.getShardId())
                  + " had its only replica on node '"
                  + nodeId
                  + "', whose data is gone; restore that data dir from a backup");
        }
        List<String> replicas = new ArrayList<>(g.getReplicasList());
        replicas.remove(nodeId);
        b.clearReplicas().addAllReplicas(replicas);
        if (g.getReplicas(0).equals(nodeId)) {
          b.setLeaderPinned(false);
        }
      }
      out = ShardMaps.withGroup(out, b.build());
    }
    return out;
  }

  /** The map with {@code node} as an ACTIVE member. */
  public static ShardMap addNode(ShardMap map, NodeInfo node) {
    validate(node);
    NodeInfo wanted = node.toBuilder().setState(NodeState.NODE_ACTIVE).build();
    NodeInfo existing = ShardMaps.node(map, node.getId()).orElse(null);
    if (existing != null) {
      if (existing.getState() == NodeState.NODE_REMOVED) {
        throw new IllegalArgumentException(
            "node id '"
                + node.getId()
                + "' was removed from the cluster and cannot come back (a reused id could vote"
                + " in Raft with a log it no longer has); start the node with a new node.id and"
                + " an empty data dir");
      }
      if (!sameAddresses(existing, wanted)) {
        throw new IllegalArgumentException(
            "node id '"
                + node.getId()
                + "' is already in the cluster at "
                + addresses(existing)
                + "; pick another id, or remove that node first");
      }
      return map;
    }
    if (wanted.getPeerPort() == 0) {
      throw new IllegalArgumentException(
          "node '"
              + node.getId()
              + "' has no peer port (node-to-node calls); give its addresses as"
              + " HOST:RAFT_PORT:CLIENT_PORT:HTTP_PORT:PEER_PORT");
    }
    for (NodeInfo other : map.getNodesList()) {
      if (other.getState() != NodeState.NODE_REMOVED && sharesAPort(other, wanted)) {
        throw new IllegalArgumentException(
            "node '"
                + other.getId()
                + "' already uses an address of "
                + addresses(wanted)
                + " ("
                + addresses(other)
                + "); give the new node other ports");
      }
    }
    return map.toBuilder().addNodes(wanted).build();
  }

  /**
   * The map with one more shard (docs/shard-split.md): the next free id, filling (out of the key
   * ring), its group founded on one node, the accepting node the planner gives its first replica.
   * The rebalancer then grows the group to the replication factor like any group short of replicas,
   * and the meta group's leader fills it and marks it serving.
   *
   * @throws IllegalStateException if a shard is still filling (one is added at a time), or no node
   *     is ACTIVE
   */
  public static ShardMap addShard(ShardMap map) {
    for (ShardInfo s : map.getShardsList()) {
      if (s.getFilling()) {
        throw new IllegalStateException(
            ShardMaps.describe(s.getShardId())
                + " is still being added; add the next shard once it serves (cairnctl shard list)");
      }
    }
    Map<String, ReplicaPlanner.Role> roles = new HashMap<>();
    for (NodeInfo n : map.getNodesList()) {
      roles.put(
          n.getId(),
          n.getState() == NodeState.NODE_ACTIVE
              ? ReplicaPlanner.Role.ACCEPTS
              : ReplicaPlanner.Role.EVICTS);
    }
    if (!roles.containsValue(ReplicaPlanner.Role.ACCEPTS)) {
      throw new IllegalStateException("no node is ACTIVE to hold the new shard's replicas");
    }
    int id = map.getShardsList().stream().mapToInt(ShardInfo::getShardId).max().orElse(0) + 1;
    List<ReplicaPlanner.Group> groups = new ArrayList<>();
    for (ShardInfo g : ShardMaps.groups(map)) {
      int wanted =
          g.getShardId() == ShardPlacement.META_SHARD_ID
              ? RebalancePlan.metaWanted(map)
              : map.getReplicationFactor();
      groups.add(new ReplicaPlanner.Group(g.getShardId(), wanted, ShardMaps.wantedVoters(g)));
    }
    groups.add(new ReplicaPlanner.Group(id, Math.max(map.getReplicationFactor(), 1), List.of()));
    String founder = ReplicaPlanner.plan(groups, roles).get(id).get(0);
    // Named after the epoch that adds it too, so no two attempts at one shard id share a group.
    String groupId =
        ShardPlacement.groupId(
            map.getClusterId() + "/shard/" + id + "/added-at-epoch/" + (map.getEpoch() + 1));
    ShardInfo added =
        ShardInfo.newBuilder()
            .setShardId(id)
            .setGroupId(groupId)
            .addReplicas(founder)
            .setFilling(true)
            .build();
    return map.toBuilder().addShards(added).build();
  }

  /**
   * The map with shard {@code shardId} serving: in the key ring from now on. Unchanged if it serves
   * already.
   *
   * @throws IllegalArgumentException if the map has no such shard
   */
  public static ShardMap markServing(ShardMap map, int shardId) {
    ShardInfo shard = ShardMaps.group(map, shardId);
    if (!shard.getFilling()) {
      return map;
    }
    return ShardMaps.withGroup(map, shard.toBuilder().setFilling(false).build());
  }

  /** The map with node {@code nodeId} DRAINING or ACTIVE again. */
  public static ShardMap setState(ShardMap map, String nodeId, NodeState state) {
    if (state != NodeState.NODE_ACTIVE && state != NodeState.NODE_DRAINING) {
      throw new IllegalArgumentException(
          "a node's state can be set to ACTIVE or DRAINING; use node remove to remove it");
    }
    NodeInfo node = knownNode(map, nodeId);
    if (node.getState() == NodeState.NODE_REMOVED) {
      throw new IllegalArgumentException(
          "node '" + nodeId + "' was removed from the cluster; add a new node instead");
    }
    if (node.getState() == state) {
      return map;
    }
    return withNode(map, node.toBuilder().setState(state).build());
  }

  /**
   * The map with node {@code nodeId} REMOVED. Without {@code force} the node must hold no replica
   * and be no move's target (drain it first); with it, moves to the node are cancelled and its
   * replicas are left for the rebalancer to re-create elsewhere.
   */
  public static ShardMap removeNode(ShardMap map, String nodeId, boolean force) {
    NodeInfo node = knownNode(map, nodeId);
    if (node.getState() == NodeState.NODE_REMOVED) {
      return map;
    }
    int held = ShardMaps.replicasOn(map, nodeId);
    if (held > 0 && !force) {
      throw new IllegalStateException(
          "node '"
              + nodeId
              + "' still holds "
              + held
              + " replica(s); drain it first (cairnctl node drain "
              + nodeId
              + " --wait), or add --force if the node is dead and will not come back");
    }
    ShardMap out = withNode(map, node.toBuilder().setState(NodeState.NODE_REMOVED).build());
    for (ShardInfo g : ShardMaps.groups(out)) {
      if (ShardMaps.moving(g) && g.getMove().getTo().equals(nodeId)) {
        out = ShardMaps.withGroup(out, g.toBuilder().clearMove().build());
      }
    }
    return out;
  }

  /**
   * The map with a move of group {@code shardId}'s replica from {@code from} to {@code to} started;
   * either may be empty (only add, only remove), not both.
   *
   * @param wantedReplicas how many voters the group should keep at least: a move that only removes
   *     may not take it below this
   */
  public static ShardMap startMove(
      ShardMap map, int shardId, String from, String to, int wantedReplicas) {
    ShardInfo group = ShardMaps.group(map, shardId);
    String what = ShardMaps.describe(shardId);
    ReplicaMove move = ReplicaMove.newBuilder().setFrom(from).setTo(to).build();
    if (ShardMaps.moving(group)) {
      if (group.getMove().equals(move)) {
        return map;
      }
      throw new IllegalStateException(
          what
              + " is already moving a replica ("
              + describe(group.getMove())
              + "); wait for it to finish, or cancel it (cairnctl shard move "
              + shardId
              + " --cancel)");
    }
    if (from.isEmpty() && to.isEmpty()) {
      throw new IllegalArgumentException("a move needs a node to move from or to");
    }
    if (from.equals(to)) {
      throw new IllegalArgumentException("a replica cannot move from '" + from + "' to itself");
    }
    if (!from.isEmpty() && !group.getReplicasList().contains(from)) {
      throw new IllegalArgumentException(
          what
              + " has no replica on node '"
              + from
              + "' (its replicas: "
              + String.join(", ", group.getReplicasList())
              + ")");
    }
    if (!to.isEmpty()) {
      NodeInfo target = knownNode(map, to);
      if (target.getState() != NodeState.NODE_ACTIVE) {
        throw new IllegalArgumentException(
            "node '" + to + "' is " + stateName(target) + " and takes no new replicas");
      }
      if (group.getReplicasList().contains(to)) {
        throw new IllegalArgumentException(what + " already has a replica on node '" + to + "'");
      }
    }
    if (to.isEmpty() && group.getReplicasCount() - 1 < wantedReplicas) {
      throw new IllegalArgumentException(
          "removing the replica on '"
              + from
              + "' would leave "
              + what
              + " with "
              + (group.getReplicasCount() - 1)
              + " replicas, fewer than the "
              + wantedReplicas
              + " it wants; move it to another node instead");
    }
    return ShardMaps.withGroup(map, group.toBuilder().setMove(move).build());
  }

  /**
   * The map after a move's Raft configuration change has committed: {@code move.to} replaces {@code
   * move.from} (at the end of the list, so the preferred leader does not change with it) and the
   * move is cleared. Unchanged if the group's move is no longer {@code move}.
   */
  public static ShardMap finishMove(ShardMap map, int shardId, ReplicaMove move) {
    ShardInfo group = ShardMaps.group(map, shardId);
    if (!ShardMaps.moving(group) || !group.getMove().equals(move)) {
      return map;
    }
    List<String> replicas = ShardMaps.wantedVoters(group);
    // A pinned leader that moved away is no longer anybody's choice.
    boolean pinned = group.getLeaderPinned() && replicas.get(0).equals(group.getReplicas(0));
    return ShardMaps.withGroup(
        map,
        group.toBuilder()
            .clearReplicas()
            .addAllReplicas(replicas)
            .clearMove()
            .setLeaderPinned(pinned)
            .build());
  }

  /** The map without group {@code shardId}'s move (unchanged if it has none). */
  public static ShardMap cancelMove(ShardMap map, int shardId) {
    ShardInfo group = ShardMaps.group(map, shardId);
    if (!ShardMaps.moving(group)) {
      return map;
    }
    return ShardMaps.withGroup(map, group.toBuilder().clearMove().build());
  }

  /**
   * The map with {@code nodeId} first among the replicas of group {@code shardId} (the preferred
   * leader: highest Raft priority), the others in their order; {@code map} itself if it is first.
   *
   * @throws IllegalArgumentException if there is no such shard or the node holds no replica of it
   */
  public static ShardMap preferLeader(ShardMap map, int shardId, String nodeId) {
    return preferLeader(map, shardId, nodeId, false);
  }

  /**
   * As {@link #preferLeader(ShardMap, int, String)}; {@code pin} marks the choice as the
   * operator's, so the rebalancer leaves it be.
   */
  public static ShardMap preferLeader(ShardMap map, int shardId, String nodeId, boolean pin) {
    ShardInfo group = ShardMaps.group(map, shardId);
    List<String> replicas = new ArrayList<>(group.getReplicasList());
    if (!replicas.contains(nodeId)) {
      throw new IllegalArgumentException(
          ShardMaps.describe(shardId)
              + " has no replica on node '"
              + nodeId
              + "' (its replicas: "
              + String.join(", ", replicas)
              + "); a leader can only move to a replica");
    }
    if (replicas.get(0).equals(nodeId) && group.getLeaderPinned() == pin) {
      return map;
    }
    replicas.remove(nodeId);
    replicas.add(0, nodeId);
    return ShardMaps.withGroup(
        map,
        group.toBuilder().clearReplicas().addAllReplicas(replicas).setLeaderPinned(pin).build());
  }

  public static String describe(ReplicaMove move) {
    if (move.getFrom().isEmpty()) {
      return "adding " + move.getTo();
    }
    if (move.getTo().isEmpty()) {
      return "removing " + move.getFrom();
    }
    return move.getFrom() + " -> " + move.getTo();
  }

  /** "active", "draining" or "removed". */
  public static String stateName(NodeInfo node) {
    return switch (node.getState()) {
      case NODE_DRAINING -> "draining";
      case NODE_REMOVED -> "removed";
      default -> "active";
    };
  }

  private static NodeInfo knownNode(ShardMap map, String nodeId) {
    return ShardMaps.node(map, nodeId)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "no node '"
                        + nodeId
                        + "' in the cluster (its nodes: "
                        + String.join(
                            ", ", map.getNodesList().stream().map(NodeInfo::getId).toList())
                        + ")"));
  }

  private static ShardMap withNode(ShardMap map, NodeInfo node) {
    List<NodeInfo> nodes = new ArrayList<>(map.getNodesList());
    nodes.replaceAll(n -> n.getId().equals(node.getId()) ? node : n);
    return map.toBuilder().clearNodes().addAllNodes(nodes).build();
  }

  private static final java.util.regex.Pattern NODE_ID =
      java.util.regex.Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  // A DNS name (labels of letters, digits, '-' and, as container networks name hosts, '_'; a
  // trailing dot allowed), an IPv4 address, or an IPv6 literal (two colons at least, so host:port
  // is not one; the Raft transport does not bracket IPv6 literals yet, so a node there cannot be
  // dialled). A loose shape check against what every node and client dials from, not a parser.
  // Nodes a held map lists already are not checked again (MapChangeCheck).
  private static final java.util.regex.Pattern HOST =
      java.util.regex.Pattern.compile(
          "[A-Za-z0-9_]([A-Za-z0-9_.-]{0,251}[A-Za-z0-9_])?\\.?|(?=[^:]*:[^:]*:)[0-9A-Fa-f:.]{2,45}");

  /** A node's id, host and ports as Cairn accepts them; also MapChangeCheck's rule. */
  static void validate(NodeInfo node) {
    if (!NODE_ID.matcher(node.getId()).matches()) {
      throw new IllegalArgumentException(
          "node id '"
              + Escaping.printable(node.getId())
              + "' must be 1-64 letters, digits, '_', '.' or '-'");
    }
    if (!HOST.matcher(node.getHost()).matches()) {
      throw new IllegalArgumentException(
          "node '"
              + node.getId()
              + "' has host '"
              + Escaping.printable(node.getHost())
              + "'; a host is a DNS name or an IP address, without a port");
    }
    if (!node.getClientHost().isEmpty() && !HOST.matcher(node.getClientHost()).matches()) {
      throw new IllegalArgumentException(
          "node '"
              + node.getId()
              + "' has client host '"
              + Escaping.printable(node.getClientHost())
              + "'; a host is a DNS name or an IP address, without a port");
    }
    for (int port : new int[] {node.getRaftPort(), node.getClientPort(), node.getHttpPort()}) {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException(
            "node '" + node.getId() + "' has port " + port + "; ports are 1-65535");
      }
    }
    // 0: a node of a map written before peer ports, which takes node-to-node calls on its client
    // port. New nodes must have one (MembershipCommands, the config's cluster.nodes).
    if (node.getPeerPort() < 0 || node.getPeerPort() > 65535) { // uint32: negative above 2^31
      throw new IllegalArgumentException(
          "node '"
              + node.getId()
              + "' has peer port "
              + node.getPeerPort()
              + "; ports are 1-65535");
    }
  }

  static boolean sameAddresses(NodeInfo a, NodeInfo b) {
    return a.getHost().equals(b.getHost())
        && a.getRaftPort() == b.getRaftPort()
        && a.getClientPort() == b.getClientPort()
        && a.getHttpPort() == b.getHttpPort()
        && a.getPeerPort() == b.getPeerPort()
        && a.getClientHost().equals(b.getClientHost());
  }

  private static boolean sharesAPort(NodeInfo a, NodeInfo b) {
    if (!a.getHost().equals(b.getHost())) {
      return false;
    }
    Set<Integer> taken = ports(a);
    return ports(b).stream().anyMatch(taken::contains);
  }

  /** The ports a node listens on (no peer port in maps written before it existed). */
  private static Set<Integer> ports(NodeInfo n) {
    Set<Integer> ports =
        new HashSet<>(List.of(n.getRaftPort(), n.getClientPort(), n.getHttpPort()));
    if (n.getPeerPort() != 0) {
      ports.add(n.getPeerPort());
    }
    return ports;
  }

  private static String addresses(NodeInfo n) {
    return n.getHost()
        + " (raft "
        + n.getRaftPort()
        + ", client "
        + n.getClientPort()
        + ", http "
        + n.getHttpPort()
        + (n.getPeerPort() == 0 ? "" : ", peer " + n.getPeerPort())
        + (n.getClientHost().isEmpty() ? "" : ", clients dial " + n.getClientHost())
        + ")";
  }
}

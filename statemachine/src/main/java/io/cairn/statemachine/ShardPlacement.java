package io.cairn.statemachine;

import io.cairn.proto.NodeInfo;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Computes a cluster's initial {@link ShardMap}: which nodes hold a replica of which shard.
 *
 * <p>The map is a pure function of its inputs, so every node computes the same one at start-up and
 * any of them can propose it to the meta group. Replicas are placed by {@link ReplicaPlanner} from
 * an empty cluster: every shard gets {@code replicationFactor} distinct nodes and every node holds
 * within one replica of the mean, the same placement the rebalancer keeps as nodes come and go. The
 * meta group is group {@value #META_SHARD_ID} of that plan, with {@link #metaReplicas} replicas.
 *
 * <p>Raft group ids are name-based UUIDs of {@code "<clusterId>/shard/<id>"} and {@code
 * "<clusterId>/meta"}, so they too are the same everywhere. The map lists the nodes sorted by id,
 * so the order of the input list does not matter.
 */
public final class ShardPlacement {
  /** The meta group's shard id in {@link ShardMap#getMeta()}. */
  public static final int META_SHARD_ID = 0;

  private static final long INITIAL_EPOCH = 1;

  private ShardPlacement() {}

  /**
   * How many replicas the meta group wants in a cluster of {@code nodes} nodes: 3 (or every node if
   * there are fewer), 5 from 5 nodes on, so it survives two failures once the cluster can.
   */
  public static int metaReplicas(int nodes) {
    return nodes >= 5 ? 5 : Math.min(3, nodes);
  }

  /**
   * The epoch-1 map of a new cluster.
   *
   * @param shards number of data shards, ids 1..shards
   * @throws IllegalArgumentException if the cluster id is empty, there are no nodes, a node id is
   *     empty or repeated, {@code shards} is below 1, {@code replicationFactor} is not between 1
   *     and the number of nodes, or {@code virtualNodesPerShard} is below 1
   */
  public static ShardMap initialMap(
      String clusterId,
      List<NodeInfo> nodes,
      int shards,
      int replicationFactor,
      int virtualNodesPerShard) {
    validate(clusterId, nodes, shards, replicationFactor, virtualNodesPerShard);
    List<NodeInfo> sortedNodes =
        nodes.stream().sorted(Comparator.comparing(NodeInfo::getId)).toList();
    Map<String, ReplicaPlanner.Role> roles = new LinkedHashMap<>();
    sortedNodes.forEach(n -> roles.put(n.getId(), ReplicaPlanner.Role.ACCEPTS));
    List<ReplicaPlanner.Group> groups = new ArrayList<>();
    groups.add(new ReplicaPlanner.Group(META_SHARD_ID, metaReplicas(nodes.size()), List.of()));
    for (int id = 1; id <= shards; id++) {
      groups.add(new ReplicaPlanner.Group(id, replicationFactor, List.of()));
    }
    Map<Integer, List<String>> placement =
        preferredLeadersFirst(ReplicaPlanner.plan(groups, roles));

    ShardMap.Builder map =
        ShardMap.newBuilder()
            .setClusterId(clusterId)
            .setEpoch(INITIAL_EPOCH)
            .setVirtualNodesPerShard(virtualNodesPerShard)
            .setReplicationFactor(replicationFactor)
            .addAllNodes(sortedNodes);
    for (int id = 1; id <= shards; id++) {
      map.addShards(
          ShardInfo.newBuilder()
              .setShardId(id)
              .setGroupId(groupId(clusterId + "/shard/" + id))
              .addAllReplicas(placement.get(id)));
    }
    map.setMeta(
        ShardInfo.newBuilder()
            .setShardId(META_SHARD_ID)
            .setGroupId(groupId(clusterId + "/meta"))
            .addAllReplicas(placement.get(META_SHARD_ID)));
    return map.build();
  }

  /**
   * Reorders each data shard's replicas so the first ones (the preferred leaders: they get the
   * highest Raft priority) are spread evenly over the nodes, as {@link LeaderPlanner} would spread
   * leaders. Without this a 3-node cluster could start with one node leading two of three shards
   * and another leading none.
   */
  private static Map<Integer, List<String>> preferredLeadersFirst(
      Map<Integer, List<String>> placement) {
    Map<Integer, List<String>> shards = new TreeMap<>(placement);
    shards.remove(META_SHARD_ID);
    Map<Integer, String> first = new TreeMap<>();
    Set<String> nodes = new TreeSet<>();
    shards.forEach(
        (id, replicas) -> {
          first.put(id, replicas.get(0));
          nodes.addAll(replicas);
        });
    Map<Integer, List<String>> reordered = new TreeMap<>(placement);
    for (LeaderPlanner.Transfer t : LeaderPlanner.plan(shards, first, nodes)) {
      List<String> replicas = new ArrayList<>(placement.get(t.group()));
      replicas.remove(t.to());
      replicas.add(0, t.to());
      reordered.put(t.group(), replicas);
    }
    return reordered;
  }

  private static void validate(
      String clusterId,
      List<NodeInfo> nodes,
      int shards,
      int replicationFactor,
      int virtualNodesPerShard) {
    if (clusterId == null || clusterId.isEmpty()) {
      throw new IllegalArgumentException("initial shard map: the cluster id is empty");
    }
    if (nodes.isEmpty()) {
      throw new IllegalArgumentException("initial shard map: the node list is empty");
    }
    Set<String> seen = new HashSet<>();
    for (NodeInfo n : nodes) {
      // The meta group checks every later map against the same rule: a seed it would refuse must
      // stop the cluster from starting, not wedge its first membership change.
      try {
        MembershipEdits.validate(n);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("initial shard map: " + e.getMessage(), e);
      }
      if (!seen.add(n.getId())) {
        throw new IllegalArgumentException(
            "initial shard map: node id '" + n.getId() + "' appears more than once");
      }
    }
    if (shards < 1) {
      throw new IllegalArgumentException(
          "initial shard map: shards is " + shards + "; it must be at least 1");
    }
    if (replicationFactor < 1 || replicationFactor > nodes.size()) {
      throw new IllegalArgumentException(
          "initial shard map: replication factor is "
              + replicationFactor
              + "; it must be between 1 and the number of nodes ("
              + nodes.size()
              + ")");
    }
    if (virtualNodesPerShard < 1) {
      throw new IllegalArgumentException(
          "initial shard map: virtual nodes per shard is "
              + virtualNodesPerShard
              + "; it must be at least 1");
    }
  }

  /** A group id named after {@code name}: the same name gives the same id on every node. */
  static String groupId(String name) {
    return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
  }
}

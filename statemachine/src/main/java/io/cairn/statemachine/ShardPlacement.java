package io.cairn.statemachine;

import io.cairn.proto.KeyHash;
import io.cairn.proto.NodeInfo;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Computes a cluster's initial {@link ShardMap}: which nodes hold a replica of which shard.
 *
 * <p>The map is a pure function of its inputs, so every node computes the same one at start-up and
 * any of them can propose it to the meta group. Nodes sit on a 64-bit ring, each at {@code
 * virtualNodesPerShard} points {@code KeyHash.hash64("node/<id>/vnode/<v>")}; a shard's replicas
 * are the first {@code replicationFactor} distinct nodes met walking clockwise from {@code
 * KeyHash.hash64("placement/shard/<id>")} (the meta group's from {@code "placement/meta"}, with
 * min(3, nodes) replicas). Many points per node spread the replicas roughly evenly; walking to
 * distinct nodes keeps a shard's replicas on different nodes.
 *
 * <p>Raft group ids are name-based UUIDs of {@code "<clusterId>/shard/<id>"} and {@code
 * "<clusterId>/meta"}, so they too are the same everywhere. The map lists the nodes sorted by id,
 * so the order of the input list does not matter.
 */
public final class ShardPlacement {
  /** The meta group's shard id in {@link ShardMap#getMeta()}. */
  public static final int META_SHARD_ID = 0;

  /** Replicas of the meta group, or every node if there are fewer. */
  public static final int META_REPLICAS_MAX = 3;

  private static final long INITIAL_EPOCH = 1;

  private ShardPlacement() {}

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
    NodeRing ring = new NodeRing(sortedNodes, virtualNodesPerShard);

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
              .addAllReplicas(ring.walk("placement/shard/" + id, replicationFactor)));
    }
    map.setMeta(
        ShardInfo.newBuilder()
            .setShardId(META_SHARD_ID)
            .setGroupId(groupId(clusterId + "/meta"))
            .addAllReplicas(
                ring.walk("placement/meta", Math.min(META_REPLICAS_MAX, nodes.size()))));
    return map.build();
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
      if (n.getId().isEmpty()) {
        throw new IllegalArgumentException("initial shard map: a node has an empty id");
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

  private static String groupId(String name) {
    return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
  }

  private static long hash(String s) {
    return KeyHash.hash64(s.getBytes(StandardCharsets.UTF_8));
  }

  /** The nodes' points on the ring, sorted in unsigned order (ties by node id). */
  private static final class NodeRing {
    private final long[] points;
    private final String[] owners;

    NodeRing(List<NodeInfo> sortedNodes, int pointsPerNode) {
      record Point(long position, String nodeId) {}
      List<Point> all = new ArrayList<>(sortedNodes.size() * pointsPerNode);
      for (NodeInfo n : sortedNodes) {
        for (int v = 0; v < pointsPerNode; v++) {
          all.add(new Point(hash("node/" + n.getId() + "/vnode/" + v), n.getId()));
        }
      }
      all.sort(
          Comparator.comparing(Point::position, Long::compareUnsigned)
              .thenComparing(Point::nodeId));
      points = all.stream().mapToLong(Point::position).toArray();
      owners = all.stream().map(Point::nodeId).toArray(String[]::new);
    }

    /** The first {@code count} distinct nodes at or clockwise after {@code hash(start)}. */
    List<String> walk(String start, int count) {
      int i = firstAtOrAfter(hash(start));
      LinkedHashSet<String> chosen = new LinkedHashSet<>();
      for (int step = 0; step < points.length && chosen.size() < count; step++) {
        chosen.add(owners[(i + step) % points.length]);
      }
      return List.copyOf(chosen);
    }

    private int firstAtOrAfter(long h) {
      int lo = 0;
      int hi = points.length;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (Long.compareUnsigned(points[mid], h) < 0) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return lo == points.length ? 0 : lo;
    }
  }
}

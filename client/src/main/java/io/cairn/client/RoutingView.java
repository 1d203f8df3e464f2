package io.cairn.client;

import io.cairn.proto.KeyRing;
import io.cairn.proto.NodeAddresses;
import io.cairn.proto.NodeInfo;
import io.cairn.proto.Routing;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One immutable picture of the cluster as the client routes by it: the shard map with its key ring,
 * node endpoints, and the leader the client believes each shard has. Leader changes produce a new
 * view ({@link #withLeader}, {@link #withoutLeader}); the ring is shared between them.
 */
final class RoutingView {
  private final Routing routing;
  private final KeyRing ring; // null when the map has no shards yet
  private final Map<String, Endpoint> endpointByNode;
  private final Map<Integer, List<String>> replicasByShard;

  private RoutingView(
      Routing routing,
      KeyRing ring,
      Map<String, Endpoint> endpointByNode,
      Map<Integer, List<String>> replicasByShard) {
    this.routing = routing;
    this.ring = ring;
    this.endpointByNode = endpointByNode;
    this.replicasByShard = replicasByShard;
  }

  /**
   * Builds a view; throws IllegalArgumentException if the map is malformed (a bad node address).
   */
  static RoutingView of(Routing routing) {
    ShardMap map = routing.getMap();
    Map<String, Endpoint> endpoints = new HashMap<>();
    for (NodeInfo n : map.getNodesList()) {
      endpoints.put(n.getId(), new Endpoint(NodeAddresses.clientHost(n), n.getClientPort()));
    }
    Map<Integer, List<String>> replicas = new HashMap<>();
    for (ShardInfo s : map.getShardsList()) {
      replicas.put(s.getShardId(), List.copyOf(s.getReplicasList()));
    }
    KeyRing ring = map.getShardsCount() == 0 ? null : KeyRing.of(map);
    return new RoutingView(routing, ring, Map.copyOf(endpoints), Map.copyOf(replicas));
  }

  Routing routing() {
    return routing;
  }

  long epoch() {
    return routing.getMap().getEpoch();
  }

  /** The shard that owns {@code key}, or -1 if the map has no shards. */
  int shardFor(byte[] key) {
    return ring == null ? -1 : ring.shardFor(key);
  }

  Optional<String> leaderOf(int shardId) {
    String leader = routing.getLeadersMap().get(shardId);
    return leader == null || leader.isEmpty() ? Optional.empty() : Optional.of(leader);
  }

  List<String> replicasOf(int shardId) {
    return replicasByShard.getOrDefault(shardId, List.of());
  }

  boolean knowsNode(String nodeId) {
    return endpointByNode.containsKey(nodeId);
  }

  Optional<Endpoint> endpointOf(String nodeId) {
    return Optional.ofNullable(endpointByNode.get(nodeId));
  }

  /** Every node's endpoint, in map order. */
  List<Endpoint> nodeEndpoints() {
    List<Endpoint> all = new ArrayList<>();
    for (NodeInfo n : routing.getMap().getNodesList()) {
      all.add(endpointByNode.get(n.getId()));
    }
    return all;
  }

  RoutingView withLeader(int shardId, String nodeId) {
    if (nodeId.equals(routing.getLeadersMap().get(shardId))) {
      return this;
    }
    return new RoutingView(
        routing.toBuilder().putLeaders(shardId, nodeId).build(),
        ring,
        endpointByNode,
        replicasByShard);
  }

  RoutingView withoutLeader(int shardId) {
    if (!routing.getLeadersMap().containsKey(shardId)) {
      return this;
    }
    return new RoutingView(
        routing.toBuilder().removeLeaders(shardId).build(), ring, endpointByNode, replicasByShard);
  }
}

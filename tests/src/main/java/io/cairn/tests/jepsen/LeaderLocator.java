package io.cairn.tests.jepsen;

import io.cairn.client.CairnClient;
import io.cairn.proto.Routing;
import io.cairn.proto.ShardInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Asks the cluster who leads which shard, through a control client that is not part of the history
 * ({@link CairnClient#routing()} fetches a fresh routing from whichever node answers). Node ids are
 * {@code n<i>}; results use the index i.
 */
final class LeaderLocator {

  private final CairnClient control;
  private final Duration timeout;

  LeaderLocator(CairnClient control, Duration timeout) {
    this.control = control;
    this.timeout = timeout;
  }

  /** The current routing, or null when no node answered in time. */
  Routing routing() {
    try {
      return control.routing().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Shard id to the index of its leader, for the shards whose leader the routing names. */
  Map<Integer, Integer> leaders() {
    Routing routing = routing();
    Map<Integer, Integer> leaders = new HashMap<>();
    if (routing != null) {
      routing.getLeadersMap().forEach((shard, node) -> leaders.put(shard, nodeIndex(node)));
    }
    return leaders;
  }

  /** The data shard ids, from the routing's map; empty when no node answered. */
  List<Integer> shards() {
    Routing routing = routing();
    List<Integer> shards = new ArrayList<>();
    if (routing != null) {
      routing.getMap().getShardsList().forEach(s -> shards.add(s.getShardId()));
    }
    return shards;
  }

  /** The indexes of the nodes holding a replica of {@code shard}. */
  List<Integer> replicas(int shard) {
    Routing routing = routing();
    List<Integer> replicas = new ArrayList<>();
    if (routing != null) {
      for (ShardInfo info : routing.getMap().getShardsList()) {
        if (info.getShardId() == shard) {
          info.getReplicasList().forEach(node -> replicas.add(nodeIndex(node)));
        }
      }
    }
    return replicas;
  }

  static int nodeIndex(String nodeId) {
    if (!nodeId.startsWith("n")) {
      throw new IllegalArgumentException("node id '" + nodeId + "' is not n<index>");
    }
    return Integer.parseInt(nodeId.substring(1));
  }
}

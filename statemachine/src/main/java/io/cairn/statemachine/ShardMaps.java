package io.cairn.statemachine;

import io.cairn.proto.NodeInfo;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reading and rewriting one group of a shard map; the meta group is shard id 0. */
public final class ShardMaps {
  private ShardMaps() {}

  /** "shard 3", or "the meta group" for id 0: how messages name a group. */
  public static String describe(int shardId) {
    return shardId == ShardPlacement.META_SHARD_ID ? "the meta group" : "shard " + shardId;
  }

  /** Every group of the map: the data shards, then the meta group. */
  public static List<ShardInfo> groups(ShardMap map) {
    List<ShardInfo> all = new ArrayList<>(map.getShardsList());
    all.add(map.getMeta());
    return all;
  }

  /**
   * The group {@code shardId} (0: the meta group).
   *
   * @throws IllegalArgumentException if the map has no such shard
   */
  public static ShardInfo group(ShardMap map, int shardId) {
    if (shardId == ShardPlacement.META_SHARD_ID) {
      return map.getMeta();
    }
    return map.getShardsList().stream()
        .filter(s -> s.getShardId() == shardId)
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "the shard map (epoch " + map.getEpoch() + ") has no shard " + shardId));
  }

  /** {@code map} with the group of {@code changed}'s shard id replaced by it. */
  public static ShardMap withGroup(ShardMap map, ShardInfo changed) {
    ShardMap.Builder b = map.toBuilder();
    if (changed.getShardId() == ShardPlacement.META_SHARD_ID) {
      return b.setMeta(changed).build();
    }
    for (int i = 0; i < b.getShardsCount(); i++) {
      if (b.getShards(i).getShardId() == changed.getShardId()) {
        return b.setShards(i, changed).build();
      }
    }
    throw new IllegalArgumentException(
        "the shard map (epoch " + map.getEpoch() + ") has no shard " + changed.getShardId());
  }

  public static Optional<NodeInfo> node(ShardMap map, String nodeId) {
    return map.getNodesList().stream().filter(n -> n.getId().equals(nodeId)).findFirst();
  }

  /** Whether the group has a move in progress. */
  public static boolean moving(ShardInfo group) {
    return group.hasMove()
        && (!group.getMove().getFrom().isEmpty() || !group.getMove().getTo().isEmpty());
  }

  /**
   * The voters the group is to have: its replicas, less a move's source, plus its target (last).
   */
  public static List<String> wantedVoters(ShardInfo group) {
    List<String> voters = new ArrayList<>(group.getReplicasList());
    if (moving(group)) {
      voters.remove(group.getMove().getFrom());
      String to = group.getMove().getTo();
      if (!to.isEmpty() && !voters.contains(to)) {
        voters.add(to);
      }
    }
    return voters;
  }

  /** Whether the map asks {@code nodeId} to hold a replica of the group, now or once moved. */
  public static boolean names(ShardInfo group, String nodeId) {
    return group.getReplicasList().contains(nodeId)
        || (moving(group) && group.getMove().getTo().equals(nodeId));
  }

  /** Replicas of the map (meta included) on {@code nodeId}, plus moves that target it. */
  public static int replicasOn(ShardMap map, String nodeId) {
    int n = 0;
    for (ShardInfo g : groups(map)) {
      if (names(g, nodeId)) {
        n++;
      }
    }
    return n;
  }
}

package io.cairn.node.membership;

import io.cairn.node.routing.MapChanges;
import io.cairn.proto.NodeInfo;
import io.cairn.proto.NodeState;
import io.cairn.proto.ShardMap;
import io.cairn.statemachine.MembershipEdits;
import io.cairn.statemachine.ShardMaps;
import io.cairn.statemachine.ShardPlacement;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * The operators' membership commands, each one shard-map change through the meta group ({@link
 * MapChanges}; the edits are {@link MembershipEdits}). The map is the one record of the cluster's
 * intended shape; what follows from a change happens in the background and survives restarts:
 *
 * <ul>
 *   <li>leader transfer: the node goes first in the shard's replica list; the shard's leader hands
 *       leadership to it once it answers ({@link ConfReconciler}; Ratis lets it catch up first),
 *       and after any later failover leadership comes back to it;
 *   <li>replica move: the target node creates an empty replica ({@link LocalReplicas}), the shard's
 *       leader changes the Raft configuration and then finishes the move in the map ({@link
 *       ConfPlan});
 *   <li>node add, drain, remove: the rebalancer ({@link Rebalancer}) moves replicas onto or off the
 *       node;
 *   <li>shard add: the rebalancer grows the new group, the meta leader's {@link ShardSplitter}
 *       moves its keys into it.
 * </ul>
 *
 * Each completes with the map the meta group holds afterwards. A change whose caller has given up
 * by the time it runs ({@code stillWanted} false) is not made: it may have retried another way.
 */
public final class MembershipCommands {
  private final MapChanges changes;

  public MembershipCommands(MapChanges changes) {
    this.changes = changes;
  }

  public CompletableFuture<ShardMap> transferLeader(
      int shardId, String nodeId, BooleanSupplier stillWanted) {
    return changes.change(
        "leader transfer",
        map -> MembershipEdits.preferLeader(map, shardId, nodeId, true),
        stillWanted);
  }

  /**
   * Adds {@code node}; with {@code lostData} (it starts with an empty data dir) also drops the
   * replicas the map says it holds, so they come back through Raft as new members.
   */
  public CompletableFuture<ShardMap> addNode(
      NodeInfo node, boolean lostData, BooleanSupplier stillWanted) {
    return changes.change(
        "node add", map -> MembershipEdits.addNode(map, node, lostData), stillWanted);
  }

  public CompletableFuture<ShardMap> setNodeState(
      String nodeId, NodeState state, BooleanSupplier stillWanted) {
    return changes.change(
        "node state", map -> MembershipEdits.setState(map, nodeId, state), stillWanted);
  }

  public CompletableFuture<ShardMap> removeNode(
      String nodeId, boolean force, BooleanSupplier stillWanted) {
    return changes.change(
        "node remove", map -> MembershipEdits.removeNode(map, nodeId, force), stillWanted);
  }

  /**
   * Adds one shard, filling (docs/shard-split.md); the meta group's leader then grows, fills and
   * activates it ({@link ShardSplitter}).
   */
  public CompletableFuture<ShardMap> addShard(BooleanSupplier stillWanted) {
    return changes.change("shard add", MembershipEdits::addShard, stillWanted);
  }

  /** Starts a move of a replica of {@code shardId} (0: the meta group), or cancels its move. */
  public CompletableFuture<ShardMap> moveReplica(
      int shardId, String from, String to, boolean cancel, BooleanSupplier stillWanted) {
    if (cancel) {
      return changes.change(
          "shard move --cancel", map -> MembershipEdits.cancelMove(map, shardId), stillWanted);
    }
    return changes.change(
        "shard move",
        map -> MembershipEdits.startMove(map, shardId, from, to, wantedReplicas(map, shardId)),
        stillWanted);
  }

  private static int wantedReplicas(ShardMap map, int shardId) {
    ShardMaps.group(map, shardId);
    return shardId == ShardPlacement.META_SHARD_ID
        ? Math.min(3, ShardMaps.group(map, shardId).getReplicasCount())
        : map.getReplicationFactor();
  }
}

package io.cairn.node.ops;

import com.google.protobuf.ByteString;
import io.cairn.node.replica.RaftHost;
import io.cairn.node.replica.RaftReplies;
import io.cairn.node.replica.ShardStateMachine;
import io.cairn.node.routing.NotLeaderHereException;
import io.cairn.node.routing.ShardDirectory;
import io.cairn.node.runtime.Scheduler;
import io.cairn.proto.MarkShardDigestResponse;
import io.cairn.proto.ReplicaDigest;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.internal.BatchResult;
import io.cairn.proto.internal.CommandBatch;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.protocol.RaftGroupId;

/**
 * This node's side of {@code cairnctl verify}: placing a digest marker in a shard's log (as its
 * leader), and answering with its replica's digest at a marker.
 */
public final class StateDigests {
  /** The longest a caller may ask to wait for a replica to apply a marker. */
  public static final long WAIT_MS_MAX = 60_000;

  private final RaftHost host;
  private final ShardDirectory directory;
  private final Scheduler scheduler;
  private final long requestTimeoutMs;

  public StateDigests(
      RaftHost host, ShardDirectory directory, Scheduler scheduler, long requestTimeoutMs) {
    this.host = host;
    this.directory = directory;
    this.scheduler = scheduler;
    this.requestTimeoutMs = requestTimeoutMs;
  }

  /**
   * Proposes a digest marker to {@code shardId}'s log if this node leads it.
   *
   * @throws IllegalArgumentException (in the future) if the map has no such shard
   * @throws NotLeaderHereException (in the future) if this node is not the shard's ready leader
   */
  public CompletableFuture<MarkShardDigestResponse> mark(int shardId) {
    ShardInfo shard;
    try {
      shard = shard(shardId);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    RaftGroupId gid = RaftHost.groupIdOf(shard);
    if (!host.isReadyLeader(gid)) {
      return CompletableFuture.failedFuture(
          new NotLeaderHereException("this node does not lead shard " + shardId));
    }
    byte[] marker = CommandBatch.newBuilder().setDigestMarker(true).build().toByteArray();
    return host.submitWrite(gid, marker, requestTimeoutMs)
        .thenApply(reply -> RaftReplies.parse(reply, BatchResult::parseFrom))
        .thenApply(
            result ->
                MarkShardDigestResponse.newBuilder()
                    .setShardId(shardId)
                    .setIndex(result.getIndex())
                    .setLeaderId(host.nodeId())
                    .build());
  }

  /**
   * This node's replica's digest at the marker at {@code index}, once the replica has applied it or
   * {@code waitMs} (at most {@link #WAIT_MS_MAX}) has passed.
   */
  public CompletableFuture<ReplicaDigest> digestAt(int shardId, long index, long waitMs) {
    ReplicaDigest.Builder answer =
        ReplicaDigest.newBuilder().setNodeId(host.nodeId()).setShardId(shardId).setIndex(index);
    ShardStateMachine replica;
    try {
      replica = host.shardReplica(RaftHost.groupIdOf(shard(shardId))).orElse(null);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (replica == null) {
      return CompletableFuture.completedFuture(
          answer.setState(ReplicaDigest.State.NO_REPLICA).build());
    }
    long wait = Math.max(0, Math.min(waitMs, WAIT_MS_MAX));
    return scheduler
        .withTimeout(replica.awaitApplied(index), wait)
        .handle(
            (applied, error) -> {
              if (error instanceof TimeoutException) {
                return answer.setState(ReplicaDigest.State.NOT_APPLIED_YET).build();
              }
              if (error != null) {
                throw new CompletionException(error);
              }
              return replica
                  .markerDigest(index)
                  .map(
                      r ->
                          answer
                              .setState(ReplicaDigest.State.RECORDED)
                              .setDigest(ByteString.copyFrom(r.digest()))
                              .setKeys(r.keys())
                              .build())
                  .orElseGet(() -> answer.setState(ReplicaDigest.State.NOT_KEPT).build());
            });
  }

  private ShardInfo shard(int shardId) {
    return directory.map().getShardsList().stream()
        .filter(s -> s.getShardId() == shardId)
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "the shard map (epoch "
                        + directory.map().getEpoch()
                        + ") has no shard "
                        + shardId));
  }
}

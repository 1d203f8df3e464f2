package io.cairn.node.api;

import com.google.protobuf.ByteString;
import io.cairn.node.catchup.StalledFollowerNudger;
import io.cairn.node.read.LeadershipConfirmations;
import io.cairn.node.read.MetaReads;
import io.cairn.node.replica.RaftHost;
import io.cairn.node.replica.RaftReplies;
import io.cairn.node.replica.ShardStateMachine;
import io.cairn.node.routing.NotLeaderHereException;
import io.cairn.node.routing.ShardDirectory;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.internal.ApplySplitStepRequest;
import io.cairn.proto.internal.BatchResult;
import io.cairn.proto.internal.CommandBatch;
import io.cairn.proto.internal.ConfirmLeadershipRequest;
import io.cairn.proto.internal.ConfirmLeadershipResponse;
import io.cairn.proto.internal.ExportMovedKeysRequest;
import io.cairn.proto.internal.ExportMovedKeysResponse;
import io.cairn.proto.internal.PeerGrpc;
import io.cairn.proto.internal.ReadShardMapRequest;
import io.cairn.proto.internal.ReadShardMapResponse;
import io.cairn.proto.internal.ReplicaReadyRequest;
import io.cairn.proto.internal.ReplicaReadyResponse;
import io.cairn.proto.internal.SplitStepResult;
import io.cairn.proto.internal.StalledFollowerAnswer;
import io.cairn.proto.internal.StalledFollowerReport;
import io.cairn.statemachine.ShardCore;
import io.cairn.statemachine.ShardMaps;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Optional;
import java.util.UUID;
import org.apache.ratis.protocol.RaftGroupId;

/**
 * The node-to-node service (peer.proto): decodes each call and hands it to the component that owns
 * the protocol — leadership confirmations and meta reads to the read path, stalled-follower reports
 * to catch-up, a split's steps and exports to the shard's replica (docs/shard-split.md).
 */
public final class PeerService extends PeerGrpc.PeerImplBase {
  private final LeadershipConfirmations confirmations;
  private final StalledFollowerNudger nudger;

  /** Most keys one export page looks at. */
  static final int EXPORT_KEYS_MAX = 4_096;

  /** An export page ends after the entry that brings it to this many bytes of keys and values. */
  static final long EXPORT_PAGE_BYTES = 1 << 20;

  private final MetaReads metaReads;
  private final RaftHost host;
  private final ShardDirectory directory;
  private final long requestTimeoutMs;

  public PeerService(
      LeadershipConfirmations confirmations,
      StalledFollowerNudger nudger,
      MetaReads metaReads,
      RaftHost host,
      ShardDirectory directory,
      long requestTimeoutMs) {
    this.confirmations = confirmations;
    this.nudger = nudger;
    this.metaReads = metaReads;
    this.host = host;
    this.directory = directory;
    this.requestTimeoutMs = requestTimeoutMs;
  }

  @Override
  public void applySplitStep(ApplySplitStepRequest req, StreamObserver<SplitStepResult> out) {
    String op = "apply-split-step";
    ShardInfo shard = shard(op, req.getShardId(), out);
    if (shard == null) {
      return;
    }
    RaftGroupId gid = RaftHost.groupIdOf(shard);
    if (!host.isReadyLeader(gid)) {
      out.onError(
          StatusMapping.fromFailure(
              new NotLeaderHereException(
                  ShardMaps.describe(req.getShardId())
                      + ": this node ("
                      + host.nodeId()
                      + ") does not lead it"),
              op,
              req.getShardId(),
              host.leaderOf(gid).orElse(null),
              0,
              false));
      return;
    }
    byte[] entry = CommandBatch.newBuilder().setSplitStep(req.getStep()).build().toByteArray();
    host.submitWrite(gid, entry, requestTimeoutMs)
        .thenApply(reply -> RaftReplies.parse(reply, BatchResult::parseFrom))
        .whenComplete(
            (result, e) -> {
              if (e != null) {
                out.onError(
                    StatusMapping.fromFailure(
                        e, op, req.getShardId(), host.leaderOf(gid).orElse(null), 0, false));
                return;
              }
              out.onNext(result.getSplitStep());
              out.onCompleted();
            });
  }

  @Override
  public void exportMovedKeys(
      ExportMovedKeysRequest req, StreamObserver<ExportMovedKeysResponse> out) {
    String op = "export-moved-keys";
    ShardInfo shard = shard(op, req.getShardId(), out);
    if (shard == null) {
      return;
    }
    Optional<ShardStateMachine> replica = host.shardReplica(RaftHost.groupIdOf(shard));
    if (replica.isEmpty()) {
      out.onError(
          Status.FAILED_PRECONDITION
              .withDescription(
                  op
                      + ": this node holds no replica of "
                      + ShardMaps.describe(req.getShardId())
                      + "; ask one of its replicas")
              .asRuntimeException());
      return;
    }
    int max = req.getMaxKeys() == 0 ? 1_024 : Math.min(req.getMaxKeys(), EXPORT_KEYS_MAX);
    byte[] after = req.getAfterKey().isEmpty() ? null : req.getAfterKey().toByteArray();
    ShardCore.ExportPage page;
    try {
      page =
          replica.get().core().exportMovedKeys(req.getToShardId(), after, max, EXPORT_PAGE_BYTES);
    } catch (IllegalStateException e) {
      out.onError(
          Status.FAILED_PRECONDITION
              .withDescription(op + ": " + e.getMessage())
              .asRuntimeException());
      return;
    }
    ExportMovedKeysResponse.Builder b =
        ExportMovedKeysResponse.newBuilder().addAllEntries(page.entries());
    if (!page.last()) {
      b.setNextAfterKey(ByteString.copyFrom(page.nextAfterKey()));
    }
    out.onNext(b.build());
    out.onCompleted();
  }

  /** The shard in this node's map, or null after failing the call because it has none. */
  private ShardInfo shard(String op, int shardId, StreamObserver<?> out) {
    ShardInfo known = directory.view().shards().get(shardId);
    if (known != null) {
      return known;
    }
    out.onError(
        Status.UNAVAILABLE
            .withDescription(
                op
                    + ": "
                    + ShardMaps.describe(shardId)
                    + " is not in this node's map (epoch "
                    + directory.map().getEpoch()
                    + "); retry once the node has the newer map")
            .asRuntimeException());
    return null;
  }

  @Override
  public void readShardMap(ReadShardMapRequest req, StreamObserver<ReadShardMapResponse> out) {
    metaReads
        .read()
        .whenComplete(
            (map, e) -> {
              if (e != null) {
                out.onError(
                    StatusMapping.fromFailure(
                        e,
                        "read-shard-map",
                        0,
                        host.leaderOf(host.metaGroupId()).orElse(null),
                        0,
                        false));
                return;
              }
              ReadShardMapResponse.Builder b = ReadShardMapResponse.newBuilder();
              map.ifPresent(m -> b.setHasMap(true).setMap(m));
              out.onNext(b.build());
              out.onCompleted();
            });
  }

  @Override
  public void reportStalledFollower(
      StalledFollowerReport req, StreamObserver<StalledFollowerAnswer> out) {
    RaftGroupId gid = groupId("report-stalled-follower", req.getGroupId(), out);
    if (gid != null) {
      out.onNext(nudger.onReport(gid, req));
      out.onCompleted();
    }
  }

  @Override
  public void confirmLeadership(
      ConfirmLeadershipRequest req, StreamObserver<ConfirmLeadershipResponse> out) {
    RaftGroupId gid = groupId("confirm-leadership", req.getGroupId(), out);
    if (gid != null) {
      out.onNext(confirmations.answer(gid, req));
      out.onCompleted();
    }
  }

  @Override
  public void replicaReady(ReplicaReadyRequest req, StreamObserver<ReplicaReadyResponse> out) {
    RaftGroupId gid = groupId("replica-ready", req.getGroupId(), out);
    if (gid != null) {
      out.onNext(ReplicaReadyResponse.newBuilder().setReady(host.replicaReady(gid)).build());
      out.onCompleted();
    }
  }

  /** The group id, or null after failing the call because it is not a UUID. */
  private static RaftGroupId groupId(String op, String raw, StreamObserver<?> out) {
    try {
      return RaftGroupId.valueOf(UUID.fromString(raw));
    } catch (IllegalArgumentException e) {
      out.onError(StatusMapping.malformedGroupId(op, raw));
      return null;
    }
  }
}

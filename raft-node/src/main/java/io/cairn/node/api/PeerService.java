package io.cairn.node.api;

import io.cairn.node.catchup.StalledFollowerNudger;
import io.cairn.node.read.LeadershipConfirmations;
import io.cairn.node.read.MetaReads;
import io.cairn.node.replica.RaftHost;
import io.cairn.proto.internal.ConfirmLeadershipRequest;
import io.cairn.proto.internal.ConfirmLeadershipResponse;
import io.cairn.proto.internal.PeerGrpc;
import io.cairn.proto.internal.ReadShardMapRequest;
import io.cairn.proto.internal.ReadShardMapResponse;
import io.cairn.proto.internal.ReplicaReadyRequest;
import io.cairn.proto.internal.ReplicaReadyResponse;
import io.cairn.proto.internal.StalledFollowerAnswer;
import io.cairn.proto.internal.StalledFollowerReport;
import io.grpc.stub.StreamObserver;
import java.util.UUID;
import org.apache.ratis.protocol.RaftGroupId;

/**
 * The node-to-node service (peer.proto): decodes each call and hands it to the component that owns
 * the protocol — leadership confirmations and meta reads to the read path, stalled-follower reports
 * to catch-up.
 */
public final class PeerService extends PeerGrpc.PeerImplBase {
  private final LeadershipConfirmations confirmations;
  private final StalledFollowerNudger nudger;

  private final MetaReads metaReads;
  private final RaftHost host;

  public PeerService(
      LeadershipConfirmations confirmations,
      StalledFollowerNudger nudger,
      MetaReads metaReads,
      RaftHost host) {
    this.confirmations = confirmations;
    this.nudger = nudger;
    this.metaReads = metaReads;
    this.host = host;
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

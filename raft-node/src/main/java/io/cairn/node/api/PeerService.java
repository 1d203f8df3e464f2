package io.cairn.node.api;

import io.cairn.node.raft.RaftHost;
import io.cairn.node.raft.StalledFollowerNudger;
import io.cairn.proto.internal.ConfirmLeadershipRequest;
import io.cairn.proto.internal.ConfirmLeadershipResponse;
import io.cairn.proto.internal.PeerGrpc;
import io.cairn.proto.internal.StalledFollowerAnswer;
import io.cairn.proto.internal.StalledFollowerReport;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.UUID;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;

/**
 * The node-to-node service (peer.proto): answers leadership confirmations from shard leaders and
 * stalled-follower reports from followers.
 */
public final class PeerService extends PeerGrpc.PeerImplBase {
  private final RaftHost host;
  private final StalledFollowerNudger nudger;

  public PeerService(RaftHost host, StalledFollowerNudger nudger) {
    this.host = host;
    this.nudger = nudger;
  }

  @Override
  public void reportStalledFollower(StalledFollowerReport req, StreamObserver<StalledFollowerAnswer> out) {
    StalledFollowerAnswer answer;
    try {
      answer = nudger.onReport(req);
    } catch (IllegalArgumentException e) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("report-stalled-follower: group id '" + req.getGroupId()
          + "' is not a UUID").asRuntimeException());
      return;
    }
    out.onNext(answer);
    out.onCompleted();
  }

  @Override
  public void confirmLeadership(ConfirmLeadershipRequest req, StreamObserver<ConfirmLeadershipResponse> out) {
    RaftGroupId gid;
    try {
      gid = RaftGroupId.valueOf(UUID.fromString(req.getGroupId()));
    } catch (IllegalArgumentException e) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("confirm-leadership: group id '" + req.getGroupId()
          + "' is not a UUID").asRuntimeException());
      return;
    }
    ConfirmLeadershipResponse.Builder answer = ConfirmLeadershipResponse.newBuilder();
    if (!req.getTargetId().equals(host.nodeId())) {
      out.onNext(answer.build());
      out.onCompleted();
      return;
    }
    host.division(gid).ifPresent(d -> {
      // Term first: terms only grow, so a leader read after it belongs to this term or a later one.
      DivisionInfo info = d.getInfo();
      long term = info.getCurrentTerm();
      RaftPeerId leader = info.getLeaderId();
      String leaderId = leader == null ? "" : leader.toString();
      answer.setTerm(term).setLeaderId(leaderId)
          .setConfirmed(term == req.getTerm() && leaderId.equals(req.getLeaderId()) && !info.isLeader());
    });
    out.onNext(answer.build());
    out.onCompleted();
  }
}

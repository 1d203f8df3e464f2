package io.cairn.node.read;

import io.cairn.node.replica.RaftHost;
import io.cairn.proto.internal.ConfirmLeadershipRequest;
import io.cairn.proto.internal.ConfirmLeadershipResponse;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;

/**
 * The answering side of a leadership confirmation round ({@link LeaderReads} asks; peer.proto,
 * ConfirmLeadership): does this node's replica of a group follow the asking leader in exactly the
 * asked term?
 */
public final class LeadershipConfirmations {
  private final RaftHost host;

  public LeadershipConfirmations(RaftHost host) {
    this.host = host;
  }

  /** The answer to {@code req} about the replica of {@code gid} on this node. */
  public ConfirmLeadershipResponse answer(RaftGroupId gid, ConfirmLeadershipRequest req) {
    ConfirmLeadershipResponse.Builder answer = ConfirmLeadershipResponse.newBuilder();
    if (!req.getTargetId().equals(host.nodeId())) {
      return answer.build();
    }
    host.division(gid)
        .filter(d -> d.getInfo().isAlive())
        .ifPresent(
            d -> {
              // Term first: terms only grow, so a leader read after it belongs to this term or a
              // later one.
              DivisionInfo info = d.getInfo();
              long term = info.getCurrentTerm();
              RaftPeerId leader = info.getLeaderId();
              String leaderId = leader == null ? "" : leader.toString();
              answer
                  .setTerm(term)
                  .setLeaderId(leaderId)
                  .setConfirmed(
                      term == req.getTerm()
                          && leaderId.equals(req.getLeaderId())
                          && !info.isLeader());
            });
    return answer.build();
  }
}

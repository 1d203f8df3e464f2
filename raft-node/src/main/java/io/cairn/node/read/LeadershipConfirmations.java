package io.cairn.node.read;

import io.cairn.node.replica.RaftHost;
import io.cairn.proto.internal.ConfirmLeadershipRequest;
import io.cairn.proto.internal.ConfirmLeadershipResponse;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;

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
              // The barrier before the term: a replica that holds it and is still in the term
              // afterwards can only vote, from then on, for a candidate that holds it too. (Ratis
              // may append an entry after its replica voted in a later term, ReadLease.)
              boolean barrierHeld = holdsBarrier(d.getRaftLog(), req);
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
                      barrierHeld
                          && term == req.getTerm()
                          && leaderId.equals(req.getLeaderId())
                          && !info.isLeader());
            });
    return answer.build();
  }

  /** True without a barrier; else whether the log holds it, in the asked term, flushed to disk. */
  static boolean holdsBarrier(RaftLog log, ConfirmLeadershipRequest req) {
    long index = req.getBarrierIndex();
    if (index == 0) {
      return true;
    }
    if (log.getFlushIndex() < index) {
      return false;
    }
    TermIndex at = log.getTermIndex(index);
    return at != null && at.getTerm() == req.getTerm();
  }
}

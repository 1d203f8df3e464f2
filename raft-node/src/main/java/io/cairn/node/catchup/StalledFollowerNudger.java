package io.cairn.node.catchup;

import io.cairn.node.replica.RaftHost;
import io.cairn.node.runtime.NodeClock;
import io.cairn.proto.internal.CommandBatch;
import io.cairn.proto.internal.StalledFollowerAnswer;
import io.cairn.proto.internal.StalledFollowerReport;
import org.apache.ratis.protocol.RaftGroupId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader side of stalled-replica recovery: answers a follower's ReportStalledFollower (peer.proto)
 * and, when this replica leads the group and is ahead of the follower, appends an empty entry so
 * that Ratis's log appender has something to send and finds out where the follower really is.
 */
public final class StalledFollowerNudger {
  private static final Logger LOG = LoggerFactory.getLogger(StalledFollowerNudger.class);
  private final RaftHost host;
  private final long timeoutMs;
  private final NodeClock clock;

  /** At most one empty entry per group per interval, however many reports arrive. */
  private final NudgePolicy<RaftGroupId> policy;

  public StalledFollowerNudger(
      RaftHost host, long timeoutMs, long nudgeIntervalMs, NodeClock clock) {
    this.host = host;
    this.timeoutMs = timeoutMs;
    this.clock = clock;
    this.policy = new NudgePolicy<>(nudgeIntervalMs);
  }

  /** Answers a follower's report about its replica of {@code gid}. */
  public StalledFollowerAnswer onReport(RaftGroupId gid, StalledFollowerReport report) {
    StalledFollowerAnswer.Builder answer = StalledFollowerAnswer.newBuilder();
    if (!report.getLeaderId().equals(host.nodeId()) || !host.isReadyLeader(gid)) {
      return answer.build();
    }
    long leaderApplied = host.division(gid).map(d -> d.getInfo().getLastAppliedIndex()).orElse(-1L);
    answer.setLeaderAppliedIndex(Math.max(0, leaderApplied));
    if (policy.shouldNudge(gid, leaderApplied, report.getAppliedIndex(), clock.wallMs())) {
      LOG.info(
          "{}: follower {} reports applied index {} not moving, leader is at {}: appending an empty entry",
          describe(gid),
          report.getFollowerId(),
          report.getAppliedIndex(),
          leaderApplied);
      host.submitWrite(gid, emptyEntry(gid), timeoutMs)
          .whenComplete(
              (reply, e) -> {
                if (e != null || !reply.isSuccess()) {
                  LOG.warn(
                      "{}: empty entry for follower {} not committed: {}",
                      describe(gid),
                      report.getFollowerId(),
                      e != null ? e.toString() : reply.getException());
                }
              });
      answer.setNudged(true);
    }
    return answer.build();
  }

  /** An entry both state machines apply as a no-op: no meta command, or a batch of no commands. */
  private byte[] emptyEntry(RaftGroupId gid) {
    if (gid.equals(host.metaGroupId())) {
      return new byte[0];
    }
    return CommandBatch.getDefaultInstance().toByteArray(); // the leader stamps its time on it
  }

  private String describe(RaftGroupId gid) {
    return gid.equals(host.metaGroupId()) ? "meta group" : "group " + gid;
  }
}

package io.cairn.node.catchup;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Follower side of stalled-replica recovery (peer.proto, ReportStalledFollower): decides, from one
 * observation per replica per tick, when a follower should tell its leader that its applied index
 * is stuck. Pure and single-threaded: the caller owns the clock and the schedule.
 *
 * <p>A replica is stalled when two consecutive ticks see the same leader and the same applied
 * index. An idle, caught-up follower looks stalled too, so after the leader answers "not behind"
 * the replica stays quiet for {@code quietAfterCaughtUpMs}; after a nudge, or a failed report, it
 * waits {@code retryAfterNudgeMs} to give the catch-up time to start.
 */
final class StallTracker<K> {
  private record Seen(String leader, long applied, long quietUntilMs) {}

  private final long quietAfterCaughtUpMs;
  private final long retryAfterNudgeMs;
  private final Map<K, Seen> seen = new HashMap<>();

  StallTracker(long quietAfterCaughtUpMs, long retryAfterNudgeMs) {
    this.quietAfterCaughtUpMs = quietAfterCaughtUpMs;
    this.retryAfterNudgeMs = retryAfterNudgeMs;
  }

  /**
   * Records what a replica looks like now.
   *
   * @param leader the leader the replica follows, or null if it knows none (then never report)
   * @return true if the replica should report itself stalled to {@code leader} now
   */
  boolean observe(K replica, String leader, long applied, long nowMs) {
    Seen before = seen.get(replica);
    if (leader == null) {
      seen.remove(replica);
      return false;
    }
    boolean unchanged = before != null && before.leader.equals(leader) && before.applied == applied;
    long quietUntil = unchanged ? before.quietUntilMs : 0;
    seen.put(replica, new Seen(leader, applied, quietUntil));
    return unchanged && nowMs >= quietUntil;
  }

  /**
   * The leader's answer to a report: it nudged (or the report failed), or the replica is not
   * behind.
   */
  void answered(K replica, boolean nudgedOrFailed, long nowMs) {
    Seen s = seen.get(replica);
    if (s != null) {
      long wait = nudgedOrFailed ? retryAfterNudgeMs : quietAfterCaughtUpMs;
      seen.put(replica, new Seen(s.leader, s.applied, nowMs + wait));
    }
  }

  /** Forgets replicas no longer hosted here. */
  void retain(Collection<K> replicas) {
    seen.keySet().retainAll(replicas);
  }
}

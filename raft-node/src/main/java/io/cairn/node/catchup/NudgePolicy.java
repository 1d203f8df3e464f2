package io.cairn.node.catchup;

import java.util.HashMap;
import java.util.Map;

/**
 * Leader side of stalled-replica recovery (peer.proto, ReportStalledFollower): whether a report
 * earns an empty entry. Only when the leader is ahead of the follower, and at most once per group
 * per {@code minIntervalMs}, so that many replicas reporting at once, or a follower that is slow to
 * install a large snapshot, cost one small entry per interval and no more.
 */
final class NudgePolicy<K> {
  private final long minIntervalMs;
  private final Map<K, Long> lastNudgeMs = new HashMap<>();

  NudgePolicy(long minIntervalMs) {
    this.minIntervalMs = minIntervalMs;
  }

  /** True if the caller should append an empty entry to the group now; records it if so. */
  synchronized boolean shouldNudge(K group, long leaderApplied, long followerApplied, long nowMs) {
    if (leaderApplied <= followerApplied) {
      return false;
    }
    Long last = lastNudgeMs.get(group);
    if (last != null && nowMs - last < minIntervalMs) {
      return false;
    }
    lastNudgeMs.put(group, nowMs);
    return true;
  }
}

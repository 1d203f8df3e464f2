package io.cairn.node.membership;

import java.util.HashMap;
import java.util.Map;

/**
 * When the wedged leader of a group may step down again ({@link ConfReconciler}): at once the first
 * time, then after 5 s, 10 s, 20 s, ... up to a minute while its leaders keep wedging; a
 * configuration change that goes through starts the count over.
 *
 * <p>A step-down costs the group one election (about a second), and a wedged leader can make no
 * configuration change at all, so a replica move waits for it. A fixed minute between step-downs
 * held moves up for that minute whenever a group wedged twice close together (a leader's catch-up
 * of a new replica timed out during one move and again during the next); the doubling still keeps a
 * cause that outlives every term from costing the group more than an election a minute.
 */
final class StepDownPacing {
  static final long FIRST_WAIT_MS = 5_000;
  static final long MAX_WAIT_MS = 60_000;

  private record Last(long atMs, long waitMs) {}

  private final Map<Integer, Last> last = new HashMap<>();

  /** Whether the leader of {@code group} may step down at {@code nowMs}; if so, counts it. */
  synchronized boolean tryStepDown(int group, long nowMs) {
    Last l = last.get(group);
    if (l != null && nowMs - l.atMs() < l.waitMs()) {
      return false;
    }
    long wait = l == null ? FIRST_WAIT_MS : Math.min(l.waitMs() * 2, MAX_WAIT_MS);
    last.put(group, new Last(nowMs, wait));
    return true;
  }

  /** How long until the leader of {@code group} may step down again (0: now). */
  synchronized long waitMs(int group, long nowMs) {
    Last l = last.get(group);
    return l == null ? 0 : Math.max(0, l.atMs() + l.waitMs() - nowMs);
  }

  /**
   * Starts the count over: a configuration change of {@code group} went through (its leader is not
   * wedged), or a step-down failed (the replica no longer led: nothing was spent).
   */
  synchronized void forget(int group) {
    last.remove(group);
  }
}

package io.cairn.statemachine;

/**
 * The time a leader stamps into the entries it proposes: its wall clock, held within what its own
 * monotonic clock says has passed. A shard's entry times decide which client sessions expire, so a
 * leader whose wall clock jumps ahead (a bad NTP step, a wrong manual setting) would otherwise
 * expire every session on every replica at once, and exactly-once with them.
 *
 * <p>Rules, for the stamps this replica makes:
 *
 * <ul>
 *   <li>never behind the latest entry time it has seen (its own stamps and every applied entry,
 *       whoever the leader was): time in the log does not go back;
 *   <li>never more than {@link #RATE_MAX} times the monotonic time elapsed since that latest time
 *       ahead of it: entry time runs at most twice as fast as real time. A clock that jumps a year
 *       ahead makes sessions expire at most twice as early, never all at once; a clock that was
 *       behind catches up.
 * </ul>
 *
 * Before it has seen any entry time (a new replica, or one restarted from a snapshot with nothing
 * after it), the first stamp is the wall clock. Pure and thread-safe.
 */
public final class EntryClock {
  /** How much faster than real time entry time may run. */
  public static final int RATE_MAX = 2;

  private long latestMs = Long.MIN_VALUE;
  private long latestAtMonoMs;

  /** An applied entry's time, seen at monotonic time {@code monoMs}. */
  public synchronized void observe(long entryMs, long monoMs) {
    if (entryMs > latestMs) {
      latestMs = entryMs;
      latestAtMonoMs = monoMs;
    }
  }

  /** The time to stamp into an entry proposed now. */
  public synchronized long stamp(long wallMs, long monoMs) {
    if (latestMs == Long.MIN_VALUE) {
      latestMs = wallMs;
      latestAtMonoMs = monoMs;
      return wallMs;
    }
    long allowed = latestMs + RATE_MAX * Math.max(0, monoMs - latestAtMonoMs);
    long t = Math.min(Math.max(wallMs, latestMs), allowed);
    if (t > latestMs) {
      latestMs = t;
      latestAtMonoMs = monoMs;
    }
    return t;
  }
}

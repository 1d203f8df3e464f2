package io.cairn.tests.history;

/**
 * The consistency a GET asked for; mirrors {@code cairn.v1.Consistency} so histories do not depend
 * on generated proto classes.
 */
public enum ReadConsistency {
  /** Served by the leader after a ReadIndex round: a linearizability obligation. */
  LINEARIZABLE,
  /** Read-your-writes and monotonic reads within one client session. */
  SESSION,
  /** Any replica, possibly stale, but never a value that was not written. */
  EVENTUAL
}

package io.cairn.node.read;

/**
 * A leader's read lease on one group (read.lease-enabled): while it holds, a LINEARIZABLE read is
 * served without a confirmation round of its own, because no other replica can have become leader.
 *
 * <p>Where a lease comes from: the leader notes the time on its monotonic clock, proposes an empty
 * entry (the barrier), waits until it commits in its term, and then asks a majority of each voter
 * set whether they hold the barrier (flushed) and, after that, are still in its term following it
 * ({@link LeadershipConfirmations}). The lease runs from the noted time for {@link
 * #CLOCK_RATE_MARGIN} of the minimum election timeout, in the same term and the same Raft
 * configuration.
 *
 * <p>Why no other leader can be elected before it runs out. Every election needs votes from a
 * majority, so a winner gets one from a replica that confirmed. That replica was still in the
 * leader's term after it held the barrier, so it voted later, and Ratis grants a vote only to a
 * candidate whose log is at least as up to date as the voter's (last term, then index:
 * VoteContext.decideVote). So the winner holds the barrier too: it received it from this leader,
 * after the noted time. A follower campaigns only after hearing nothing from its leader for a
 * minimum election timeout (FollowerState), so that election began at least that long after the
 * noted time. The confirmation is needed besides the commit: Ratis may append an entry, and
 * acknowledge it in the old term, after its replica voted in a later one. None of this rests on
 * Ratis's pre-vote, which checks a voter's current leader but may be followed by the real vote at
 * any later time.
 *
 * <p>What it assumes, and what it does not cover:
 *
 * <ul>
 *   <li>The clocks measuring these intervals (each JVM's monotonic clock) run at rates within 20 %
 *       of each other, and every replica's raft.election-timeout-ms-min is at least the leader's.
 *       Wall-clock time is never used. A leader's host suspended so that its monotonic clock stops
 *       (a suspend to RAM, some VM pauses) would break this; a paused process (SIGSTOP, a GC pause)
 *       does not: its monotonic clock runs on, so the lease has run out when it resumes.
 *   <li>Replicas keep what they flushed (fsync, Cairn's default).
 *   <li>Elections that skip the wait are the leader's own hand-overs (Ratis's transfer of
 *       leadership, and its yielding to a voter of higher priority); the caller must not use the
 *       lease in a term in which either may have started ({@link LeaderReads}). A transfer asked of
 *       Ratis from outside Cairn (ratis-shell on the Raft port) is not seen.
 *   <li>Every node runs a version that checks barriers (peer.proto barrier_index).
 * </ul>
 *
 * <p>Thread-safe.
 */
final class ReadLease {
  /** The share of an election timeout a lease lasts (a follower's clock may run 20 % fast). */
  static final double CLOCK_RATE_MARGIN = 0.8;

  private long term = -1;
  private long confIndex = -1;
  private long untilNanos;
  private long lengthNanos;
  private boolean renewing;

  /**
   * Grants the lease after a barrier of {@code term} committed, proposed at {@code proposedNanos}
   * while the Raft configuration was the one at log index {@code confIndex}.
   *
   * @param electionTimeoutMsMin raft.election-timeout-ms-min
   */
  synchronized void grant(
      long term, long confIndex, long proposedNanos, long electionTimeoutMsMin) {
    long length = (long) (electionTimeoutMsMin * 1_000_000L * CLOCK_RATE_MARGIN);
    if (length <= 0) {
      return;
    }
    long until = proposedNanos + length;
    if (term != this.term || confIndex != this.confIndex || until - untilNanos > 0) {
      this.term = term;
      this.confIndex = confIndex;
      this.untilNanos = until;
      this.lengthNanos = length;
    }
  }

  /**
   * Whether the lease covers a read of {@code term} at {@code nowNanos} while the Raft
   * configuration is the one at log index {@code confIndex}: once a new one is in the leader's log,
   * its majorities need not include one that stored the barrier.
   */
  synchronized boolean holds(long term, long confIndex, long nowNanos) {
    return term == this.term && confIndex == this.confIndex && untilNanos - nowNanos > 0;
  }

  /**
   * Whether a barrier should be proposed now to extend the lease for a read of {@code term} under
   * the configuration at {@code confIndex} (there is none for them, or less than half of it is
   * left) and none is under way; if so, the caller proposes one and calls {@link #renewalOver()}
   * once it is decided.
   */
  synchronized boolean startRenewal(long term, long confIndex, long nowNanos) {
    boolean current = term == this.term && confIndex == this.confIndex;
    if (renewing || current && untilNanos - nowNanos >= lengthNanos / 2) {
      return false;
    }
    renewing = true;
    return true;
  }

  synchronized void renewalOver() {
    renewing = false;
  }
}

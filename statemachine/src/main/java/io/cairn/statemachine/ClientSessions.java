package io.cairn.statemachine;

import com.google.protobuf.ByteString;
import io.cairn.proto.WriteId;
import io.cairn.proto.internal.CommandResult;
import io.cairn.proto.internal.SessionResult;
import io.cairn.proto.internal.SnapshotSession;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The exactly-once table of one shard: per client session, the results of its recent writes by
 * sequence number, so a retried write returns its first result instead of applying twice.
 *
 * <p>Everything here is replicated state: it changes only in apply, from the commands and the
 * leader's timestamp in the log entry, so every replica holds the same table, and it is part of the
 * snapshot. Iteration orders are fixed (client ids by unsigned bytes, sequences unsigned) so
 * eviction and snapshots are the same on every replica.
 *
 * <p>Bounds (a limit on everything): sessions idle for more than {@link #SESSION_IDLE_MS_MAX} of
 * leader time are dropped; at most {@link #SESSIONS_MAX} sessions are kept (the least recently
 * active, ties by client id, go first); a session keeps at most {@link #RESULTS_PER_SESSION_MAX}
 * results (the lowest sequences go first). A client whose session was dropped, or that keeps more
 * un-acknowledged writes than that, loses the exactly-once guarantee for the forgotten writes: a
 * retry of one is applied again.
 *
 * <p>Not thread-safe: used only by the shard's apply thread.
 */
final class ClientSessions {
  /** A session whose client wrote nothing for this long (leader clock) is forgotten. */
  static final long SESSION_IDLE_MS_MAX = 60 * 60 * 1000L;

  /** Most sessions one shard remembers. */
  static final int SESSIONS_MAX = 50_000;

  /** Most cached results per session; a client should keep fewer writes than this un-acked. */
  static final int RESULTS_PER_SESSION_MAX = 4_096;

  private static final Comparator<ByteString> CLIENT_ORDER =
      ByteString.unsignedLexicographicalComparator();
  private static final Comparator<Session> ACTIVITY_ORDER =
      Comparator.<Session>comparingLong(s -> s.lastActiveMs)
          .thenComparing(s -> s.clientId, CLIENT_ORDER);

  private final TreeMap<ByteString, Session> byClient = new TreeMap<>(CLIENT_ORDER);
  // The same sessions, least recently active first. A session's lastActiveMs only changes
  // while it is out of this set.
  private final TreeSet<Session> byActivity = new TreeSet<>(ACTIVITY_ORDER);

  private static final class Session {
    final ByteString clientId;
    long lastActiveMs;
    long ackedBelow; // unsigned; results below it are dropped, writes below it are stale
    final TreeMap<Long, SessionResult> results = new TreeMap<>(Long::compareUnsigned);

    Session(ByteString clientId, long lastActiveMs) {
      this.clientId = clientId;
      this.lastActiveMs = lastActiveMs;
    }
  }

  /** Forgets the sessions idle for more than {@link #SESSION_IDLE_MS_MAX} at {@code nowMs}. */
  void expireIdle(long nowMs) {
    long oldestKeptMs = nowMs - SESSION_IDLE_MS_MAX;
    if (oldestKeptMs > nowMs) {
      return; // underflow: nowMs is near Long.MIN_VALUE, nothing can be older
    }
    while (!byActivity.isEmpty() && byActivity.first().lastActiveMs < oldestKeptMs) {
      forget(byActivity.first());
    }
  }

  /**
   * Runs {@code write} at most once per (client id, sequence) and returns its result.
   *
   * <p>In order: the session is touched at {@code nowMs}; its acked_below rises to the write's (it
   * never falls) and cached results below it are dropped; a cached result for the sequence is
   * returned as is; a sequence below acked_below is a late duplicate and gets {@code
   * stale_duplicate}; otherwise {@code write} runs and its result is cached with {@code index}.
   *
   * @param writeId the write's id; its client_id must not be empty
   */
  CommandResult applyOnce(WriteId writeId, long nowMs, long index, Supplier<CommandResult> write) {
    Session session = touch(writeId.getClientId(), nowMs);
    if (Long.compareUnsigned(writeId.getAckedBelow(), session.ackedBelow) > 0) {
      session.ackedBelow = writeId.getAckedBelow();
      session.results.headMap(session.ackedBelow, false).clear();
    }
    long sequence = writeId.getSequence();
    SessionResult cached = session.results.get(sequence);
    if (cached != null) {
      return cached.getResult();
    }
    if (Long.compareUnsigned(sequence, session.ackedBelow) < 0) {
      return CommandResult.newBuilder().setStaleDuplicate(true).build();
    }
    CommandResult result = write.get();
    session.results.put(
        sequence,
        SessionResult.newBuilder().setSequence(sequence).setResult(result).setIndex(index).build());
    while (session.results.size() > RESULTS_PER_SESSION_MAX) {
      session.results.pollFirstEntry();
    }
    return result;
  }

  /**
   * What {@link #applyOnce} would answer for {@code writeId} without running a write: its cached
   * result, {@code stale_duplicate} for a sequence below the session's acked_below, or null when
   * the write has not been applied here. Changes nothing: a shard that no longer serves a key
   * answers its retries from here and leaves its sessions as they were.
   */
  CommandResult answered(WriteId writeId) {
    Session session = byClient.get(writeId.getClientId());
    if (session == null) {
      return null;
    }
    long ackedBelow = session.ackedBelow;
    if (Long.compareUnsigned(writeId.getAckedBelow(), ackedBelow) > 0) {
      ackedBelow = writeId.getAckedBelow(); // as applyOnce would raise it before looking
    }
    if (Long.compareUnsigned(writeId.getSequence(), ackedBelow) < 0) {
      return CommandResult.newBuilder().setStaleDuplicate(true).build();
    }
    SessionResult cached = session.results.get(writeId.getSequence());
    return cached == null ? null : cached.getResult();
  }

  int size() {
    return byClient.size();
  }

  /**
   * At most {@code max} sessions after {@code afterClientId} (empty: from the first), as {@link
   * #records} lists them, ending after the one that brings their encoded size to {@code maxBytes}.
   */
  List<SnapshotSession> recordsAfter(ByteString afterClientId, int max, long maxBytes) {
    List<SnapshotSession> out = new ArrayList<>(Math.min(max, byClient.size()));
    var tail = afterClientId.isEmpty() ? byClient : byClient.tailMap(afterClientId, false);
    long bytes = 0;
    for (Session s : tail.values()) {
      if (out.size() >= max || bytes >= maxBytes) {
        break;
      }
      SnapshotSession r = record(s);
      out.add(r);
      bytes += r.getSerializedSize();
    }
    return out;
  }

  /** True if a session follows {@code clientId} in client-id order. */
  boolean hasSessionAfter(ByteString clientId) {
    return byClient.higherKey(clientId) != null;
  }

  /**
   * Checks a session record handed over by a split before {@link #merge} takes it: the rules of
   * {@link #restore} except the order between records.
   *
   * @throws IllegalArgumentException naming the broken rule
   */
  static void checkRecord(SnapshotSession record) {
    if (record.getClientId().isEmpty()) {
      throw new IllegalArgumentException("a session has an empty client id");
    }
    long previous = 0;
    boolean first = true;
    for (SessionResult r : record.getResultsList()) {
      if (Long.compareUnsigned(r.getSequence(), record.getAckedBelow()) < 0) {
        throw new IllegalArgumentException(
            "a session keeps a result for sequence "
                + Long.toUnsignedString(r.getSequence())
                + " below its acked_below "
                + Long.toUnsignedString(record.getAckedBelow()));
      }
      if (!first && Long.compareUnsigned(previous, r.getSequence()) >= 0) {
        throw new IllegalArgumentException(
            "a session's results are not in ascending sequence order");
      }
      previous = r.getSequence();
      first = false;
    }
  }

  /**
   * Takes over a session from the shard a split moved keys from (check it with {@link #checkRecord}
   * first). A client unknown here gets the session as it was there; a known one keeps its results
   * and gains the others, with the higher acked_below and the later activity. Bounds hold as after
   * a write: the fewest-sequence results and the least active sessions go first.
   */
  void merge(SnapshotSession record) {
    ByteString clientId = record.getClientId();
    Session s = byClient.get(clientId);
    if (s == null) {
      while (byClient.size() >= SESSIONS_MAX) {
        forget(byActivity.first());
      }
      s = new Session(clientId, record.getLastActiveMs());
      byClient.put(clientId, s);
    } else {
      byActivity.remove(s);
      s.lastActiveMs = Math.max(s.lastActiveMs, record.getLastActiveMs());
    }
    byActivity.add(s);
    if (Long.compareUnsigned(record.getAckedBelow(), s.ackedBelow) > 0) {
      s.ackedBelow = record.getAckedBelow();
      s.results.headMap(s.ackedBelow, false).clear();
    }
    for (SessionResult r : record.getResultsList()) {
      if (Long.compareUnsigned(r.getSequence(), s.ackedBelow) >= 0) {
        s.results.putIfAbsent(r.getSequence(), r);
      }
    }
    while (s.results.size() > RESULTS_PER_SESSION_MAX) {
      s.results.pollFirstEntry();
    }
  }

  /** Every session as a snapshot record, in unsigned client-id order: a copy, safe to keep. */
  List<SnapshotSession> records() {
    List<SnapshotSession> out = new ArrayList<>(byClient.size());
    for (Session s : byClient.values()) {
      out.add(record(s));
    }
    return out;
  }

  private static SnapshotSession record(Session s) {
    return SnapshotSession.newBuilder()
        .setClientId(s.clientId)
        .setLastActiveMs(s.lastActiveMs)
        .setAckedBelow(s.ackedBelow)
        .addAllResults(s.results.values())
        .build();
  }

  /**
   * Adds a session read from a snapshot.
   *
   * @throws IllegalArgumentException naming the broken rule if the record is not one that {@link
   *     #records} could have listed after the sessions already restored
   */
  void restore(SnapshotSession record) {
    ByteString clientId = record.getClientId();
    if (clientId.isEmpty()) {
      throw new IllegalArgumentException("a session has an empty client id");
    }
    if (!byClient.isEmpty() && CLIENT_ORDER.compare(byClient.lastKey(), clientId) >= 0) {
      throw new IllegalArgumentException("sessions are not in ascending client-id order");
    }
    Session s = new Session(clientId, record.getLastActiveMs());
    s.ackedBelow = record.getAckedBelow();
    for (SessionResult r : record.getResultsList()) {
      if (Long.compareUnsigned(r.getSequence(), s.ackedBelow) < 0) {
        throw new IllegalArgumentException(
            "a session keeps a result for sequence "
                + Long.toUnsignedString(r.getSequence())
                + " below its acked_below "
                + Long.toUnsignedString(s.ackedBelow));
      }
      if (!s.results.isEmpty() && Long.compareUnsigned(s.results.lastKey(), r.getSequence()) >= 0) {
        throw new IllegalArgumentException(
            "a session's results are not in ascending sequence order");
      }
      s.results.put(r.getSequence(), r);
    }
    byClient.put(clientId, s);
    byActivity.add(s);
  }

  private Session touch(ByteString clientId, long nowMs) {
    Session s = byClient.get(clientId);
    if (s == null) {
      while (byClient.size() >= SESSIONS_MAX) {
        forget(byActivity.first());
      }
      s = new Session(clientId, nowMs);
      byClient.put(clientId, s);
      byActivity.add(s);
      return s;
    }
    byActivity.remove(s);
    s.lastActiveMs = nowMs;
    byActivity.add(s);
    return s;
  }

  private void forget(Session s) {
    byActivity.remove(s);
    byClient.remove(s.clientId);
  }
}

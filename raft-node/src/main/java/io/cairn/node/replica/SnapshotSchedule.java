package io.cairn.node.replica;

/**
 * Whether a replica's next snapshot is worth its cost yet, once Ratis asks for one.
 *
 * <p>Ratis asks every {@code raft.snapshot-every-entries} entries, whatever the entries hold. But a
 * snapshot writes the replica's whole state, so its cost grows with the state, not with the log it
 * lets Ratis purge: one client's writes of 256-byte values made 10,000 entries in 11-14 s, and
 * every replica then wrote a 31 MB snapshot of its 100k-key shard (docs/benchmarks.md, "Snapshots
 * when the log has grown"). So a snapshot waits until the log written since the last one is at
 * least {@code logPercentOfState} percent of that snapshot's size, as Redis rewrites its
 * append-only file only once it has grown by a percentage of its last rewrite. Snapshots then cost
 * at most a fixed share of the bytes written, and a restart replays at most about a snapshot's
 * worth of log. {@code entriesMax} bounds the wait in entries all the same: Ratis keeps an index
 * record of every entry in its log on the heap, and a log of tiny entries replays slowly.
 *
 * <p>A snapshot asked for through Ratis's snapshot management API waits like the others; Cairn
 * itself never asks that way, and that API is served on the Raft port, to members only.
 *
 * <p>Not thread-safe: used on the group's apply thread only (where Ratis applies entries and asks
 * for snapshots), and before it starts.
 */
final class SnapshotSchedule {
  private final int logPercentOfState;
  private final long entriesMax;
  // The last snapshot's size in bytes: the state it had to write; 0 before the first.
  private long stateBytes;
  // The index the last snapshot stands at (started at, for one still being written).
  private long snapshotIndex = -1;
  private long logBytesSince;
  // What started() reset, so that a snapshot that fails gives it back.
  private long indexBeforeStart = -1;
  private long logBytesBeforeStart;

  /**
   * @param logPercentOfState how large the log since the last snapshot must be, in percent of that
   *     snapshot, before the next; 0: a snapshot whenever Ratis asks
   * @param entriesMax entries since the last snapshot after which the next one is due whatever the
   *     bytes
   */
  SnapshotSchedule(int logPercentOfState, long entriesMax) {
    if (logPercentOfState < 0 || entriesMax < 1) {
      throw new IllegalArgumentException(
          "logPercentOfState must be >= 0 and entriesMax >= 1, got "
              + logPercentOfState
              + " and "
              + entriesMax);
    }
    this.logPercentOfState = logPercentOfState;
    this.entriesMax = entriesMax;
  }

  /** A snapshot whenever Ratis asks: for a small state such as the meta group's. */
  static SnapshotSchedule whenRatisAsks() {
    return new SnapshotSchedule(0, Long.MAX_VALUE);
  }

  /** An entry of {@code bytes} (serialized) was applied. */
  void applied(long bytes) {
    logBytesSince += bytes;
  }

  /** Whether a snapshot at {@code appliedIndex} is due now. */
  boolean due(long appliedIndex) {
    if (appliedIndex - snapshotIndex >= entriesMax) {
      return true;
    }
    // In doubles: percent x bytes may not fit a long for a state of petabytes, nothing else.
    return logBytesSince * 100.0 >= (double) logPercentOfState * stateBytes;
  }

  /** A snapshot at {@code index} was started: the log counts from there. */
  void started(long index) {
    indexBeforeStart = snapshotIndex;
    logBytesBeforeStart = logBytesSince;
    snapshotIndex = index;
    logBytesSince = 0;
  }

  /**
   * The snapshot started last was not written: the log still counts from the snapshot before it, so
   * the next one is due as soon as it was before, not after a whole new share of log.
   */
  void failed() {
    snapshotIndex = indexBeforeStart;
    logBytesSince += logBytesBeforeStart;
  }

  /** The snapshot started last was written, {@code bytes} long. */
  void written(long bytes) {
    stateBytes = bytes;
  }

  /** The replica's state was loaded from a snapshot at {@code index} of {@code bytes}. */
  void loaded(long index, long bytes) {
    snapshotIndex = index;
    stateBytes = bytes;
    logBytesSince = 0;
  }

  /** The replica starts empty, from no snapshot. */
  void empty() {
    loaded(-1, 0);
  }

  /** Log bytes applied since the last snapshot started (for tests and logs). */
  long logBytesSince() {
    return logBytesSince;
  }
}

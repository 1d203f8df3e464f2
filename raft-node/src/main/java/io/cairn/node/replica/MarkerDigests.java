package io.cairn.node.replica;

import java.util.Iterator;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The digests a replica recorded at the last few digest markers of its log (`cairnctl verify`).
 *
 * <p>In memory only: a marker is placed and its digests collected within seconds, and a replica
 * that restarts in between answers NOT_KEPT, which tells the operator to place a new one. Keeping a
 * few (not one) lets overlapping verify runs both finish.
 *
 * <p>Thread-safe: recorded on the apply thread, read by status calls.
 */
public final class MarkerDigests {
  static final int KEPT = 16;

  /** A replica's state at a marker's index. */
  public record Recorded(long index, byte[] digest, long keys) {}

  private final TreeMap<Long, Recorded> byIndex = new TreeMap<>();

  synchronized void record(long index, byte[] digest, long keys) {
    byIndex.put(index, new Recorded(index, digest.clone(), keys));
    for (Iterator<Long> oldest = byIndex.keySet().iterator();
        byIndex.size() > KEPT && oldest.hasNext(); ) {
      oldest.next();
      oldest.remove();
    }
  }

  synchronized Optional<Recorded> at(long index) {
    return Optional.ofNullable(byIndex.get(index));
  }
}

package io.cairn.client;

import io.cairn.proto.SessionToken;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The client's session position: per shard, the largest log index any response has shown it.
 * SESSION reads send it as {@code min_index}, so a replica answers only from a state at least that
 * new (read-your-writes, monotonic reads). Indexes of different shards never mix. Thread-safe.
 */
final class SessionTokens {
  private final Map<Integer, Long> maxIndexByShard = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong maxMapEpoch =
      new java.util.concurrent.atomic.AtomicLong();

  void observe(SessionToken token) {
    if (token != null && token.getIndex() > 0) {
      maxIndexByShard.merge(token.getShardId(), token.getIndex(), Math::max);
    }
    if (token != null) {
      maxMapEpoch.accumulateAndGet(token.getMapEpoch(), Math::max);
    }
  }

  /**
   * The newest shard-map epoch any answer was routed by: a node that routes by an older one serves
   * this session's reads from the leader (a split may have moved a key since).
   */
  long minMapEpoch() {
    return maxMapEpoch.get();
  }

  /** The smallest index a SESSION read of {@code shardId} may be served from; 0 if nothing seen. */
  long minIndex(int shardId) {
    return maxIndexByShard.getOrDefault(shardId, 0L);
  }
}

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

  void observe(SessionToken token) {
    if (token != null && token.getIndex() > 0) {
      maxIndexByShard.merge(token.getShardId(), token.getIndex(), Math::max);
    }
  }

  /** The smallest index a SESSION read of {@code shardId} may be served from; 0 if nothing seen. */
  long minIndex(int shardId) {
    return maxIndexByShard.getOrDefault(shardId, 0L);
  }
}

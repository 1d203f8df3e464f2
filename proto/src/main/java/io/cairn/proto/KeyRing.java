package io.cairn.proto;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * Maps keys to shards by consistent hashing with virtual nodes.
 *
 * <p>Each shard owns {@code virtualNodesPerShard} points on a 64-bit ring, at {@code
 * hash("shard/<id>/vnode/<v>")}; a key belongs to the first point at or after {@code hash(key)},
 * wrapping around. Adding a shard moves only the keys that fall just before its new points.
 * Immutable and thread-safe; build one per shard-map epoch.
 */
public final class KeyRing {
  private final long[] points; // sorted, unsigned order
  private final int[] owners; // owners[i] is the shard id at points[i]

  public KeyRing(Collection<Integer> shardIds, int virtualNodesPerShard) {
    if (shardIds.isEmpty()) {
      throw new IllegalArgumentException("a key ring needs at least one shard");
    }
    if (virtualNodesPerShard < 1) {
      throw new IllegalArgumentException(
          "virtualNodesPerShard is " + virtualNodesPerShard + "; it must be at least 1");
    }
    int n = shardIds.size() * virtualNodesPerShard;
    long[][] entries = new long[n][];
    int i = 0;
    for (int shard : shardIds) {
      for (int v = 0; v < virtualNodesPerShard; v++) {
        entries[i++] = new long[] {pointOf(shard, v), shard};
      }
    }
    // Ties (astronomically rare) break by shard id so every process builds the same ring.
    Arrays.sort(
        entries,
        (a, b) -> {
          int c = Long.compareUnsigned(a[0], b[0]);
          return c != 0 ? c : Long.compare(a[1], b[1]);
        });
    points = new long[n];
    owners = new int[n];
    for (int j = 0; j < n; j++) {
      points[j] = entries[j][0];
      owners[j] = (int) entries[j][1];
    }
  }

  /**
   * The ring of a shard map: its serving shards. A shard still filling (being added) is left out,
   * so its keys route to the shards that serve them until the map says it serves.
   */
  public static KeyRing of(ShardMap map) {
    return new KeyRing(servingShardIds(map), map.getVirtualNodesPerShard());
  }

  /** The shards of {@code map} that serve keys, in map order. */
  public static List<Integer> servingShardIds(ShardMap map) {
    return map.getShardsList().stream()
        .filter(s -> !s.getFilling())
        .map(ShardInfo::getShardId)
        .toList();
  }

  public int shardFor(byte[] key) {
    long h = KeyHash.hash64(key);
    int lo = 0;
    int hi = points.length; // first index with points[idx] >= h
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (Long.compareUnsigned(points[mid], h) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return owners[lo == points.length ? 0 : lo];
  }

  static long pointOf(int shardId, int vnode) {
    return KeyHash.hash64(
        ("shard/" + shardId + "/vnode/" + vnode).getBytes(StandardCharsets.UTF_8));
  }
}

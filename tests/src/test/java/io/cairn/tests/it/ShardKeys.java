package io.cairn.tests.it;

import io.cairn.proto.KeyRing;
import io.cairn.proto.ShardMap;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Picks keys that live on a given shard, so a test can aim load at one Raft group. */
final class ShardKeys {
  private ShardKeys() {}

  static List<byte[]> onShard(ShardMap map, int shard, String prefix, int count) {
    KeyRing ring = KeyRing.of(map);
    List<byte[]> keys = new ArrayList<>();
    for (int i = 0; keys.size() < count && i < 1_000_000; i++) {
      byte[] k = (prefix + i).getBytes(StandardCharsets.UTF_8);
      if (ring.shardFor(k) == shard) {
        keys.add(k);
      }
    }
    return keys;
  }
}

package io.cairn.proto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class KeyRingTest {
  private static List<Integer> ids(int n) {
    return IntStream.range(0, n).boxed().toList();
  }

  private static byte[] key(int i) {
    return ("user:" + i).getBytes(StandardCharsets.UTF_8);
  }

  /** The obvious implementation: a sorted map from point to shard, searched with ceiling. */
  private static int naiveShardFor(List<Integer> shardIds, int vnodes, byte[] key) {
    TreeMap<Long, Integer> ring = new TreeMap<>(Long::compareUnsigned);
    for (int s : shardIds) {
      for (int v = 0; v < vnodes; v++) {
        ring.merge(KeyRing.pointOf(s, v), s, Math::min);
      }
    }
    Map.Entry<Long, Integer> e = ring.ceilingEntry(KeyHash.hash64(key));
    return (e == null ? ring.firstEntry() : e).getValue();
  }

  @Property(tries = 200)
  void agreesWithNaiveRing(
      @ForAll @IntRange(min = 1, max = 40) int shards,
      @ForAll @IntRange(min = 1, max = 64) int vnodes,
      @ForAll @Size(max = 64) byte[] key) {
    KeyRing ring = new KeyRing(ids(shards), vnodes);
    assertThat(ring.shardFor(key)).isEqualTo(naiveShardFor(ids(shards), vnodes, key));
  }

  @Test
  void spreadsKeysEvenlyEnough() {
    KeyRing ring = new KeyRing(ids(8), 128);
    Map<Integer, Integer> counts = new HashMap<>();
    int n = 80_000;
    for (int i = 0; i < n; i++) {
      counts.merge(ring.shardFor(key(i)), 1, Integer::sum);
    }
    assertThat(counts).hasSize(8);
    // With 128 virtual nodes per shard every shard should hold within +-35% of its fair share.
    counts
        .values()
        .forEach(c -> assertThat(c).isBetween((int) (n / 8 * 0.65), (int) (n / 8 * 1.35)));
  }

  @Test
  void addingAShardMovesKeysOnlyToTheNewShard() {
    KeyRing before = new KeyRing(ids(8), 64);
    KeyRing after = new KeyRing(ids(9), 64);
    int moved = 0;
    List<Integer> wrongMoves = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      int a = before.shardFor(key(i));
      int b = after.shardFor(key(i));
      if (a != b) {
        moved++;
        if (b != 8) {
          wrongMoves.add(i);
        }
      }
    }
    assertThat(wrongMoves).isEmpty();
    assertThat(moved).isBetween(20_000 / 9 / 2, 20_000 / 9 * 2);
  }

  @Test
  void aFillingShardIsLeftOutOfTheMapsRing() {
    ShardMap map =
        ShardMap.newBuilder()
            .setVirtualNodesPerShard(16)
            .addShards(ShardInfo.newBuilder().setShardId(1))
            .addShards(ShardInfo.newBuilder().setShardId(2))
            .addShards(ShardInfo.newBuilder().setShardId(3).setFilling(true))
            .build();
    KeyRing ring = KeyRing.of(map);
    KeyRing serving = new KeyRing(List.of(1, 2), 16);
    for (int i = 0; i < 2_000; i++) {
      byte[] key = ("key-" + i).getBytes(StandardCharsets.UTF_8);
      assertThat(ring.shardFor(key)).isEqualTo(serving.shardFor(key));
    }
    assertThat(KeyRing.servingShardIds(map)).containsExactly(1, 2);
    assertThat(
            KeyRing.servingShardIds(
                map.toBuilder()
                    .setShards(2, map.getShards(2).toBuilder().setFilling(false))
                    .build()))
        .containsExactly(1, 2, 3);
  }

  @Test
  void rejectsEmptyRing() {
    assertThatThrownBy(() -> new KeyRing(List.of(), 8)).hasMessageContaining("at least one shard");
    assertThatThrownBy(() -> new KeyRing(ids(1), 0)).hasMessageContaining("at least 1");
  }
}

package io.cairn.statemachine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.DataInput2;
import org.mapdb.DataOutput2;
import org.mapdb.Serializer;
import org.mapdb.serializer.GroupSerializer;

/**
 * {@link FlatKeySerializer} against MapDB's own {@code Serializer.BYTE_ARRAY}: every operation on a
 * node's keys must give the same keys in the same order, and a B-tree built on it must behave as a
 * sorted map does.
 */
class FlatKeySerializerTest {
  private static final GroupSerializer<byte[]> FLAT = FlatKeySerializer.INSTANCE;
  private static final GroupSerializer<byte[]> MAPDB = Serializer.BYTE_ARRAY;

  @TempDir Path dir;

  /**
   * Keys of 0 to 12 bytes from a small alphabet, so that prefixes, equal keys and 0x80 / 0xFF
   * occur; one in twenty is 120 to 400 bytes long, so that a key's length takes two bytes.
   */
  private static byte[] randomKey(Random r) {
    int length = r.nextInt(20) == 0 ? 120 + r.nextInt(281) : r.nextInt(13);
    byte[] k = new byte[length];
    byte[] alphabet = {0, 1, 'a', 'b', (byte) 0x7F, (byte) 0x80, (byte) 0xFF};
    for (int i = 0; i < k.length; i++) {
      k[i] = alphabet[r.nextInt(alphabet.length)];
    }
    return k;
  }

  private static Object[] sortedDistinctKeys(Random r, int n) {
    TreeMap<byte[], Boolean> keys = new TreeMap<>(Arrays::compareUnsigned);
    while (keys.size() < n) {
      keys.put(randomKey(r), true);
    }
    return keys.keySet().toArray();
  }

  /** Both serializers' view of the same keys. */
  private record Pair(Object flat, Object mapdb) {
    static Pair of(Object[] keys) {
      return new Pair(FLAT.valueArrayFromArray(keys), MAPDB.valueArrayFromArray(keys));
    }

    void assertSameKeys() {
      Object[] expected = MAPDB.valueArrayToArray(mapdb);
      assertThat(FLAT.valueArraySize(flat)).isEqualTo(expected.length);
      for (int i = 0; i < expected.length; i++) {
        assertThat(FLAT.valueArrayGet(flat, i)).isEqualTo((byte[]) expected[i]);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  void everyOperationOnANodesKeysMatchesMapDbsOwnSerializer(long seed) throws IOException {
    Random r = new Random(seed);
    for (int round = 0; round < 300; round++) {
      int n = r.nextInt(40);
      Pair p = Pair.of(sortedDistinctKeys(r, n));
      p.assertSameKeys();

      for (int probe = 0; probe < 20; probe++) {
        byte[] key = randomKey(r);
        int expected = MAPDB.valueArraySearch(p.mapdb(), key);
        assertThat(FLAT.valueArraySearch(p.flat(), key)).isEqualTo(expected);
        assertThat(FLAT.valueArraySearch(p.flat(), key, FLAT)).isEqualTo(expected);
        assertThat(FLAT.valueArraySearch(p.flat(), key, MAPDB)).isEqualTo(expected);
        // Any other comparator takes the general path; this one orders as MAPDB does.
        java.util.Comparator<byte[]> sameOrder = (x, y) -> MAPDB.compare(x, y);
        assertThat(FLAT.valueArraySearch(p.flat(), key, sameOrder)).isEqualTo(expected);
      }

      int pos = n == 0 ? 0 : r.nextInt(n + 1);
      byte[] key = randomKey(r);
      new Pair(FLAT.valueArrayPut(p.flat(), pos, key), MAPDB.valueArrayPut(p.mapdb(), pos, key))
          .assertSameKeys();
      if (n > 0) {
        int at = r.nextInt(n);
        new Pair(
                FLAT.valueArrayUpdateVal(p.flat(), at, key),
                MAPDB.valueArrayUpdateVal(p.mapdb(), at, key))
            .assertSameKeys();
        int oneBased = 1 + r.nextInt(n);
        new Pair(
                FLAT.valueArrayDeleteValue(p.flat(), oneBased),
                MAPDB.valueArrayDeleteValue(p.mapdb(), oneBased))
            .assertSameKeys();
      }
      int from = r.nextInt(n + 1);
      int to = from + r.nextInt(n - from + 1);
      Pair range =
          new Pair(
              FLAT.valueArrayCopyOfRange(p.flat(), from, to),
              MAPDB.valueArrayCopyOfRange(p.mapdb(), from, to));
      range.assertSameKeys();
      // A range of a range: its offsets no longer start at 0 in the source's array.
      if (to - from > 1) {
        new Pair(
                FLAT.valueArrayCopyOfRange(range.flat(), 1, to - from),
                MAPDB.valueArrayCopyOfRange(range.mapdb(), 1, to - from))
            .assertSameKeys();
      }

      DataOutput2 out = new DataOutput2();
      FLAT.valueArraySerialize(out, range.flat());
      Object back =
          FLAT.valueArrayDeserialize(new DataInput2.ByteArray(out.copyBytes()), to - from);
      new Pair(back, range.mapdb()).assertSameKeys();
      // A node read back, changed and written again, as MapDB does with a leaf at every insert.
      int at = r.nextInt(to - from + 1);
      Pair changed =
          new Pair(FLAT.valueArrayPut(back, at, key), MAPDB.valueArrayPut(range.mapdb(), at, key));
      changed.assertSameKeys();
      DataOutput2 again = new DataOutput2();
      FLAT.valueArraySerialize(again, changed.flat());
      again.writeByte(42); // what MapDB writes after the keys must still be there to read
      DataInput2 in = new DataInput2.ByteArray(again.copyBytes());
      new Pair(FLAT.valueArrayDeserialize(in, to - from + 1), changed.mapdb()).assertSameKeys();
      assertThat(in.readByte()).isEqualTo((byte) 42);
    }
  }

  @Test
  void keysOfAnyLengthComeBackAfterANodeIsWrittenAndRead() throws IOException {
    Object[] keys = {
      new byte[0],
      new byte[127],
      new byte[128],
      new byte[16_383],
      new byte[16_384],
      new byte[70_000]
    };
    for (int i = 0; i < keys.length; i++) {
      Arrays.fill((byte[]) keys[i], (byte) i);
    }
    DataOutput2 out = new DataOutput2();
    FLAT.valueArraySerialize(out, FLAT.valueArrayFromArray(keys));
    out.writeByte(42);
    DataInput2 in = new DataInput2.ByteArray(out.copyBytes());
    new Pair(FLAT.valueArrayDeserialize(in, keys.length), MAPDB.valueArrayFromArray(keys))
        .assertSameKeys();
    assertThat(in.readByte()).isEqualTo((byte) 42);
  }

  @Test
  void theEmptyArrayIsEmptyAndTakesKeys() {
    Object empty = FLAT.valueArrayEmpty();
    assertThat(FLAT.valueArraySize(empty)).isZero();
    assertThat(FLAT.valueArraySearch(empty, new byte[] {1})).isEqualTo(-1);
    Object one = FLAT.valueArrayPut(empty, 0, new byte[] {1, 2});
    assertThat(FLAT.valueArrayGet(one, 0)).containsExactly(1, 2);
    assertThat(FLAT.valueArraySize(empty)).isZero();
  }

  @Test
  void aKeyTakenOutOfANodeIsACopy() {
    Object keys = FLAT.valueArrayFromArray(new Object[] {new byte[] {1}, new byte[] {2}});
    FLAT.valueArrayGet(keys, 0)[0] = 9;
    assertThat(FLAT.valueArrayGet(keys, 0)).containsExactly(1);
  }

  @Test
  void singleKeysCompareAndHashAsMapDbs() {
    Random r = new Random(11);
    for (int i = 0; i < 2_000; i++) {
      byte[] a = randomKey(r);
      byte[] b = randomKey(r);
      assertThat(Integer.signum(FLAT.compare(a, b))).isEqualTo(Integer.signum(MAPDB.compare(a, b)));
      assertThat(FLAT.equals(a, b)).isEqualTo(MAPDB.equals(a, b));
      assertThat(FLAT.hashCode(a, 7)).isEqualTo(MAPDB.hashCode(a, 7));
    }
  }

  /** A B-tree on this serializer against a sorted map, through splits, merges and walks. */
  @ParameterizedTest
  @ValueSource(longs = {21, 22, 23})
  void aBTreeOnItBehavesAsASortedMap(long seed) {
    Random r = new Random(seed);
    TreeMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
    DB db =
        DBMaker.fileDB(dir.resolve("t" + seed + ".db").toFile()).fileMmapEnableIfSupported().make();
    try {
      BTreeMap<byte[], byte[]> tree =
          db.treeMap("kv", FLAT, Serializer.BYTE_ARRAY)
              .maxNodeSize(8) // small nodes: many splits and levels with few keys
              .valuesOutsideNodesEnable()
              .create();
      for (int op = 0; op < 20_000; op++) {
        byte[] key = randomKey(r);
        int kind = r.nextInt(10);
        if (kind < 6) {
          byte[] value = new byte[] {(byte) op, (byte) (op >> 8)};
          assertThat(tree.put(key, value)).isEqualTo(model.put(key, value));
        } else if (kind < 8) {
          assertThat(tree.remove(key)).isEqualTo(model.remove(key));
        } else {
          assertThat(tree.get(key)).isEqualTo(model.get(key));
        }
      }
      assertThat(tree.sizeLong()).isEqualTo(model.size());
      List<byte[]> walked = new ArrayList<>();
      for (Iterator<Map.Entry<byte[], byte[]>> it = tree.entryIterator(); it.hasNext(); ) {
        Map.Entry<byte[], byte[]> e = it.next();
        walked.add(e.getKey());
        assertThat(e.getValue()).isEqualTo(model.get(e.getKey()));
      }
      assertThat(walked).containsExactlyElementsOf(model.keySet());
      byte[] prefix = {'a'};
      assertThat(tree.prefixSubMap(prefix).keySet())
          .containsExactlyElementsOf(
              model.subMap(prefix, true, FLAT.nextValue(prefix.clone()), false).keySet());
    } finally {
      db.close();
    }
  }
}

package io.cairn.statemachine;

import java.io.IOException;
import java.util.Arrays;
import java.util.Comparator;
import org.mapdb.DataInput2;
import org.mapdb.DataOutput2;
import org.mapdb.Serializer;
import org.mapdb.serializer.GroupSerializer;

/**
 * MapDB's key serializer for {@code byte[]} keys that keeps a B-tree node's keys in one flat array
 * instead of one array per key. Orders and compares exactly as {@link Serializer#BYTE_ARRAY}
 * (unsigned bytes, then length).
 *
 * <p>Why: MapDB deserializes every node on the way from the root to a leaf, at every put and at
 * every read that misses the cache. With {@code Serializer.BYTE_ARRAY} a node of 32 keys costs 32
 * arrays and 32 {@code ByteBuffer} duplicates (MapDB's {@code readFully} duplicates its buffer per
 * call): under 64 clients of puts that was 37 % of everything the nodes allocated, and reading
 * nodes 7 % of their CPU, half of it the keys (docs/benchmarks.md, "MapDB's B-tree keys in one
 * array"). Here a node's keys are one array plus their offsets, read with one {@code readFully},
 * and searched in place; a key becomes an array of its own only when MapDB asks for it ({@link
 * #valueArrayGet}).
 *
 * <p>Format of a node's keys: each key's length (MapDB's packed int), then all keys' bytes back to
 * back. Not compatible with {@code Serializer.BYTE_ARRAY}'s; no concern, because every start of a
 * replica builds a fresh store file ({@link MapDbKvStore#createFresh}).
 *
 * <p>Stateless and thread-safe; the key arrays it returns are never changed after they are made.
 */
final class FlatKeySerializer implements GroupSerializer<byte[]> {
  static final FlatKeySerializer INSTANCE = new FlatKeySerializer();

  private static final GroupSerializer<byte[]> ONE_KEY = Serializer.BYTE_ARRAY;

  /** A node's keys: key {@code i} is {@code bytes[offsets[i] .. offsets[i + 1])}. Immutable. */
  static final class Keys {
    private static final Keys EMPTY = new Keys(new byte[0], new int[] {0});

    final byte[] bytes;
    final int[] offsets;

    Keys(byte[] bytes, int[] offsets) {
      this.bytes = bytes;
      this.offsets = offsets;
    }

    int size() {
      return offsets.length - 1;
    }

    int length(int i) {
      return offsets[i + 1] - offsets[i];
    }

    byte[] get(int i) {
      return Arrays.copyOfRange(bytes, offsets[i], offsets[i + 1]);
    }

    /** Unsigned-byte order of key {@code i} against {@code key}, as {@code BYTE_ARRAY} orders. */
    int compareAt(int i, byte[] key) {
      return Arrays.compareUnsigned(bytes, offsets[i], offsets[i + 1], key, 0, key.length);
    }
  }

  private FlatKeySerializer() {}

  private static Keys keys(Object vals) {
    return (Keys) vals;
  }

  /** Keys {@code from} (inclusive) to {@code to} (exclusive) of {@code source}, copied. */
  private static Keys slice(Keys source, int from, int to) {
    int start = source.offsets[from];
    byte[] bytes = Arrays.copyOfRange(source.bytes, start, source.offsets[to]);
    int[] offsets = new int[to - from + 1];
    for (int i = 0; i < offsets.length; i++) {
      offsets[i] = source.offsets[from + i] - start;
    }
    return new Keys(bytes, offsets);
  }

  /**
   * {@code source}'s keys {@code [0, at)}, then {@code inserted} (if not null), then {@code
   * [resume, size)}.
   */
  private static Keys splice(Keys source, int at, byte[] inserted, int resume) {
    int insertedLength = inserted == null ? 0 : inserted.length;
    int size = source.size();
    int count = at + (inserted == null ? 0 : 1) + (size - resume);
    byte[] bytes =
        new byte
            [source.offsets[at] + insertedLength + (source.offsets[size] - source.offsets[resume])];
    int[] offsets = new int[count + 1];
    System.arraycopy(source.bytes, 0, bytes, 0, source.offsets[at]);
    System.arraycopy(source.offsets, 0, offsets, 0, at + 1);
    int k = at;
    if (inserted != null) {
      System.arraycopy(inserted, 0, bytes, source.offsets[at], insertedLength);
      offsets[++k] = source.offsets[at] + insertedLength;
    }
    int shift = offsets[k] - source.offsets[resume];
    System.arraycopy(
        source.bytes,
        source.offsets[resume],
        bytes,
        offsets[k],
        source.offsets[size] - source.offsets[resume]);
    for (int i = resume + 1; i <= size; i++) {
      offsets[++k] = source.offsets[i] + shift;
    }
    return new Keys(bytes, offsets);
  }

  // --- a node's keys ---

  @Override
  public int valueArraySearch(Object vals, byte[] key) {
    Keys k = keys(vals);
    int low = 0;
    int high = k.size() - 1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      int c = k.compareAt(mid, key);
      if (c < 0) {
        low = mid + 1;
      } else if (c > 0) {
        high = mid - 1;
      } else {
        return mid;
      }
    }
    return -(low + 1);
  }

  /**
   * With the map's own order (MapDB passes this serializer), the search in place above; with any
   * other comparator, the keys copied out and searched as MapDB's own serializer does.
   */
  @Override
  @SuppressWarnings("unchecked")
  public int valueArraySearch(Object vals, byte[] key, Comparator comparator) {
    if (comparator == this || comparator == ONE_KEY) {
      return valueArraySearch(vals, key);
    }
    return Arrays.binarySearch(valueArrayToArray(vals), key, comparator);
  }

  @Override
  public void valueArraySerialize(DataOutput2 out, Object vals) throws IOException {
    Keys k = keys(vals);
    for (int i = 0; i < k.size(); i++) {
      out.packInt(k.length(i));
    }
    out.write(k.bytes, k.offsets[0], k.offsets[k.size()] - k.offsets[0]);
  }

  @Override
  public Object valueArrayDeserialize(DataInput2 in, int size) throws IOException {
    if (size == 0) {
      return Keys.EMPTY;
    }
    int[] offsets = new int[size + 1];
    for (int i = 0; i < size; i++) {
      offsets[i + 1] = offsets[i] + in.unpackInt();
    }
    byte[] bytes = new byte[offsets[size]];
    in.readFully(bytes);
    return new Keys(bytes, offsets);
  }

  @Override
  public byte[] valueArrayGet(Object vals, int pos) {
    return keys(vals).get(pos);
  }

  @Override
  public int valueArraySize(Object vals) {
    return keys(vals).size();
  }

  @Override
  public Object valueArrayEmpty() {
    return Keys.EMPTY;
  }

  /** {@code newValue} inserted before key {@code pos}. */
  @Override
  public Object valueArrayPut(Object vals, int pos, byte[] newValue) {
    return splice(keys(vals), pos, newValue, pos);
  }

  /** Key {@code pos} replaced by {@code newValue}. */
  @Override
  public Object valueArrayUpdateVal(Object vals, int pos, byte[] newValue) {
    return splice(keys(vals), pos, newValue, pos + 1);
  }

  @Override
  public Object valueArrayFromArray(Object[] objects) {
    int[] offsets = new int[objects.length + 1];
    for (int i = 0; i < objects.length; i++) {
      offsets[i + 1] = offsets[i] + ((byte[]) objects[i]).length;
    }
    byte[] bytes = new byte[offsets[objects.length]];
    for (int i = 0; i < objects.length; i++) {
      byte[] key = (byte[]) objects[i];
      System.arraycopy(key, 0, bytes, offsets[i], key.length);
    }
    return new Keys(bytes, offsets);
  }

  @Override
  public Object valueArrayCopyOfRange(Object vals, int from, int to) {
    return slice(keys(vals), from, to);
  }

  /**
   * Key {@code pos - 1} removed: MapDB counts this position from 1 (as {@code
   * Serializer.BYTE_ARRAY} does; {@code FlatKeySerializerTest} checks every operation against it).
   */
  @Override
  public Object valueArrayDeleteValue(Object vals, int pos) {
    return splice(keys(vals), pos - 1, null, pos);
  }

  // --- one key: as Serializer.BYTE_ARRAY ---

  @Override
  public void serialize(DataOutput2 out, byte[] value) throws IOException {
    ONE_KEY.serialize(out, value);
  }

  @Override
  public byte[] deserialize(DataInput2 in, int available) throws IOException {
    return ONE_KEY.deserialize(in, available);
  }

  @Override
  public boolean isTrusted() {
    return true;
  }

  @Override
  public boolean equals(byte[] first, byte[] second) {
    return ONE_KEY.equals(first, second);
  }

  @Override
  public int hashCode(byte[] key, int seed) {
    return ONE_KEY.hashCode(key, seed);
  }

  @Override
  public int compare(byte[] first, byte[] second) {
    return ONE_KEY.compare(first, second);
  }

  @Override
  public byte[] nextValue(byte[] value) {
    return ONE_KEY.nextValue(value);
  }
}

package io.cairn.statemachine;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * A bounded in-memory cache of recently read and written entries in front of another store.
 *
 * <p>Why: a read that hits the cache costs a hash lookup instead of a B-tree walk and a copy out of
 * the memory-mapped file. The cache holds at most {@code bytesMax} bytes of keys and values and
 * evicts by Caffeine's W-TinyLFU policy (frequency and recency), so a scan does not flush the hot
 * set. Absent keys are cached too (as empty), so repeated misses are cheap as well.
 *
 * <p>Correctness: every write and every cache fill of one key runs inside the cache's per-key
 * compute, so a reader that misses and loads from the backing store cannot put a value the apply
 * thread has just replaced back into the cache. The backing store stays the source of truth; {@link
 * #forEachInKeyOrder} and the counts go straight to it.
 */
public final class CachingKvStore implements KvStore {
  /** Per-entry bookkeeping added to key and value bytes when weighing an entry. */
  private static final int ENTRY_OVERHEAD_BYTES = 64;

  private final KvStore backing;
  private final Cache<ByteBuffer, Optional<Versioned>> cache;

  public CachingKvStore(KvStore backing, long bytesMax) {
    if (bytesMax < 0) {
      throw new IllegalArgumentException("cache bytesMax is " + bytesMax + "; use 0 (off) or more");
    }
    this.backing = backing;
    this.cache =
        Caffeine.newBuilder()
            .maximumWeight(bytesMax)
            .<ByteBuffer, Optional<Versioned>>weigher(
                (k, v) ->
                    ENTRY_OVERHEAD_BYTES + k.capacity() + v.map(x -> x.value().length).orElse(0))
            .executor(Runnable::run)
            .build();
  }

  private static ByteBuffer keyOf(byte[] key) {
    return ByteBuffer.wrap(key.clone());
  }

  @Override
  public Versioned get(byte[] key) {
    Optional<Versioned> v = cache.get(keyOf(key), k -> Optional.ofNullable(backing.get(key)));
    return v.map(CachingKvStore::copy).orElse(null);
  }

  @Override
  public void put(byte[] key, byte[] value, long version) {
    Versioned stored = new Versioned(value.clone(), version);
    cache
        .asMap()
        .compute(
            keyOf(key),
            (k, old) -> {
              backing.put(key, value, version);
              return Optional.of(stored);
            });
  }

  @Override
  public boolean remove(byte[] key) {
    boolean[] existed = new boolean[1];
    cache
        .asMap()
        .compute(
            keyOf(key),
            (k, old) -> {
              existed[0] = backing.remove(key);
              return Optional.empty();
            });
    return existed[0];
  }

  private static Versioned copy(Versioned v) {
    return new Versioned(v.value().clone(), v.version());
  }

  @Override
  public long keyCount() {
    return backing.keyCount();
  }

  @Override
  public void forEachInKeyOrder(EntryVisitor visitor) {
    backing.forEachInKeyOrder(visitor);
  }

  @Override
  public void clear() {
    cache.invalidateAll();
    backing.clear();
  }

  @Override
  public long storageBytes() {
    return backing.storageBytes();
  }

  @Override
  public void compact() {
    backing.compact();
  }

  /** Bytes of entries the cache holds now (approximate, as weighed). */
  public long cachedBytes() {
    return cache.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
  }

  public KvStore backing() {
    return backing;
  }

  @Override
  public void close() {
    cache.invalidateAll();
    backing.close();
  }
}

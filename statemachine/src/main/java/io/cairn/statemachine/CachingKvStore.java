package io.cairn.statemachine;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * A bounded in-memory cache of recently read entries in front of another store.
 *
 * <p>Why: a read that hits the cache costs a hash lookup instead of a B-tree walk and a copy out of
 * the memory-mapped file. The cache holds at most {@code bytesMax} bytes of keys and values and
 * evicts by Caffeine's W-TinyLFU policy (frequency and recency), so a scan does not flush the hot
 * set. Absent keys are cached too (as empty), so repeated misses are cheap as well.
 *
 * <p>Only reads fill the cache; a write updates an entry that is already cached and leaves other
 * keys out (write-around). Why: every replica applies every write, and a write-through cache kept a
 * fresh copy of each written value on all three replicas, although only reads of a key, on one
 * replica, can use it. Those copies lived just long enough to be copied by the young collector and
 * promoted: G1's young pauses were the write tail. Leaving them out halved the pauses and cut the
 * write p99 at 64 clients by a third (docs/benchmarks.md, "A read cache that writes do not fill").
 * A key read once is cached from then on, and its later writes keep the entry current.
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

  /** The backing store's entry; the cache, updated with it at every write, is not filled. */
  @Override
  public Versioned peek(byte[] key) {
    return backing.get(key);
  }

  @Override
  public void put(byte[] key, byte[] value, long version) {
    cache
        .asMap()
        .compute(
            keyOf(key),
            (k, cached) -> {
              backing.put(key, value, version);
              return cached == null ? null : Optional.of(new Versioned(value.clone(), version));
            });
  }

  @Override
  public boolean remove(byte[] key) {
    boolean[] existed = new boolean[1];
    cache
        .asMap()
        .compute(
            keyOf(key),
            (k, cached) -> {
              existed[0] = backing.remove(key);
              return cached == null ? null : Optional.<Versioned>empty();
            });
    return existed[0];
  }

  /** Whether {@code key} has an entry in the cache (a value or a cached absence). For tests. */
  boolean isCached(byte[] key) {
    return cache.getIfPresent(ByteBuffer.wrap(key)) != null;
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
  public void forEachAfter(byte[] afterKey, int max, EntryWalk walk) {
    backing.forEachAfter(afterKey, max, walk);
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

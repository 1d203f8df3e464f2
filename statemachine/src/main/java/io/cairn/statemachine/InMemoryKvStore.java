package io.cairn.statemachine;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link KvStore} in a {@link ConcurrentSkipListMap} ordered by unsigned bytes.
 *
 * <p>It is the reference model the MapDB store is tested against, and a store for tests and
 * throwaway nodes. Keys and values are copied on the way in and out, so callers may reuse their
 * arrays. The key count is kept in a counter because the skip list's {@code size()} walks the whole
 * list.
 */
public final class InMemoryKvStore implements KvStore {
  private final ConcurrentSkipListMap<byte[], Versioned> entries =
      new ConcurrentSkipListMap<>(Arrays::compareUnsigned);
  private final AtomicLong keyCount = new AtomicLong();
  private volatile boolean closed;

  @Override
  public Versioned get(byte[] key) {
    ensureOpen();
    Versioned v = entries.get(key);
    return v == null ? null : new Versioned(v.value().clone(), v.version());
  }

  @Override
  public void put(byte[] key, byte[] value, long version) {
    ensureOpen();
    if (entries.put(key.clone(), new Versioned(value.clone(), version)) == null) {
      keyCount.incrementAndGet();
    }
  }

  @Override
  public boolean remove(byte[] key) {
    ensureOpen();
    boolean existed = entries.remove(key) != null;
    if (existed) {
      keyCount.decrementAndGet();
    }
    return existed;
  }

  @Override
  public long keyCount() {
    ensureOpen();
    return keyCount.get();
  }

  @Override
  public void forEachInKeyOrder(EntryVisitor visitor) {
    ensureOpen();
    for (Map.Entry<byte[], Versioned> e : entries.entrySet()) {
      Versioned v = e.getValue();
      visitor.visit(e.getKey().clone(), v.value().clone(), v.version());
    }
  }

  @Override
  public void forEachAfter(byte[] afterKey, int max, EntryWalk walk) {
    ensureOpen();
    int seen = 0;
    for (Map.Entry<byte[], Versioned> e :
        (afterKey == null ? entries : entries.tailMap(afterKey, false)).entrySet()) {
      if (seen++ >= max) {
        return;
      }
      Versioned v = e.getValue();
      if (!walk.visit(e.getKey().clone(), v.value().clone(), v.version())) {
        return;
      }
    }
  }

  @Override
  public void clear() {
    ensureOpen();
    entries.clear();
    keyCount.set(0);
  }

  @Override
  public long storageBytes() {
    ensureOpen();
    return 0;
  }

  @Override
  public void compact() {
    ensureOpen();
  }

  @Override
  public void close() {
    closed = true;
    entries.clear();
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("the in-memory store is closed");
    }
  }
}

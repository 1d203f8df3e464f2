package io.cairn.statemachine;

/**
 * The key-value storage under one shard: byte[] keys, each with a value and a version.
 *
 * <p>Threading: writes ({@link #put}, {@link #remove}, {@link #clear}, {@link #compact}) come from
 * one thread at a time (the shard's apply thread). {@link #get}, {@link #keyCount} and {@link
 * #storageBytes} may run concurrently with them from any thread and see each single write either
 * wholly or not at all. {@link #forEachInKeyOrder} may run on one other thread while the writer
 * goes on (a {@link FrozenStore} relies on it): it must then yield keys in ascending order, each at
 * most once, every key that stays in the store throughout, and never a key with a value it never
 * held; keys written or removed meanwhile may or may not be seen.
 *
 * <p>A store is not durable state: the shard's truth is its Raft log plus snapshot, and a store is
 * rebuilt from them after a restart. After {@link #close} every other method throws {@link
 * IllegalStateException}.
 */
public interface KvStore extends AutoCloseable {

  /** The value and version stored under {@code key}, or null if it is absent. */
  Versioned get(byte[] key);

  /**
   * Like {@link #get}, for the shard's own bookkeeping rather than a client's read: a store with a
   * read cache leaves it as it is, so keys no client reads do not take the place of keys clients
   * do. Called on the writer's thread.
   */
  default Versioned peek(byte[] key) {
    return get(key);
  }

  /** Stores a copy of {@code value} under {@code key} with {@code version}, replacing any. */
  void put(byte[] key, byte[] value, long version);

  /** Removes {@code key}; true if it existed. */
  boolean remove(byte[] key);

  long keyCount();

  /** Visits every entry in ascending unsigned lexicographic key order. */
  void forEachInKeyOrder(EntryVisitor visitor);

  /**
   * Visits at most {@code max} entries with keys after {@code afterKey} (null: from the first key),
   * in ascending unsigned order, until {@code walk} returns false: one page of a walk that a caller
   * resumes after the last key it saw. Same concurrency rules as {@link #forEachInKeyOrder}.
   */
  void forEachAfter(byte[] afterKey, int max, EntryWalk walk);

  /** Removes every entry. */
  void clear();

  /** Bytes the store occupies on disk; 0 for a memory store. */
  long storageBytes();

  /** Gives unused space back to the file system where the store can; a no-op in memory. */
  void compact();

  /** Releases the store's resources; closing twice is allowed. */
  @Override
  void close();
}

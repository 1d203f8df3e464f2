package io.cairn.statemachine;

import java.util.Arrays;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * A {@link KvStore} as it was at one moment, readable on another thread while the writer goes on
 * changing the store.
 *
 * <p>Why: a snapshot of a large shard takes a while to write (about a second for 300k keys on the
 * development VM), and writing it on the apply thread stalls every write of the shard meanwhile, on
 * every replica at once, since all of them snapshot at the same index. With this view the apply
 * thread only marks the moment; the snapshot is written beside it.
 *
 * <p>How: copy on write, one key at a time. Before the writer first changes a key after the freeze,
 * it saves what the key held ({@link #beforeChange}). The reader walks the live store in key order
 * and answers each key from the saved copy when there is one; keys that were deleted after the
 * freeze (absent from the walk) come from the saved copies too, merged in key order, and keys that
 * were created after it are skipped. The saved copies cost memory for the keys changed while the
 * view is open, at most one copy of each.
 *
 * <p>Why the walk sees what it needs: a key the walk yields was either in the store at the freeze
 * or saved as absent before it was created; the writer saves a key before it changes the store, and
 * the reader checks the saved copies only after it has read the key from the store, so a change the
 * reader saw always has its saved copy visible too. The store must allow one thread to walk it in
 * key order while another writes (MapDB's BTreeMap does; a walk yields each key at most once and in
 * ascending order, and every key that stays in the store throughout).
 *
 * <p>Threads: {@link #beforeChange} on the writer only; {@link #forEachInKeyOrder} on one reader.
 */
final class FrozenStore {
  /** Marks a key that did not exist at the freeze. */
  private static final Versioned ABSENT = new Versioned(new byte[0], 0);

  private final KvStore store;
  private final long keyCount;
  private final NavigableMap<byte[], Versioned> saved =
      new ConcurrentSkipListMap<>(Arrays::compareUnsigned);
  private volatile boolean open = true;

  /** Freezes {@code store} as it is now; call on the thread that writes it. */
  FrozenStore(KvStore store) {
    this.store = store;
    this.keyCount = store.keyCount();
  }

  /** The number of keys at the freeze. */
  long keyCount() {
    return keyCount;
  }

  /** Saves what {@code key} holds now, if it is the key's first change since the freeze. */
  void beforeChange(byte[] key) {
    if (open && !saved.containsKey(key)) {
      Versioned now = store.peek(key);
      saved.put(key.clone(), now == null ? ABSENT : now);
    }
  }

  /** Stops saving copies; the view must not be read afterwards. */
  void close() {
    open = false;
    saved.clear();
  }

  /** Keys the writer has changed since the freeze (for tests and logs). */
  int changedKeys() {
    return saved.size();
  }

  /**
   * Visits every key of the store as it was at the freeze, in ascending unsigned key order.
   *
   * @throws IllegalStateException if the store yielded keys out of order, which would make the
   *     merge unsound (the snapshot is then refused, never written wrong)
   */
  void forEachInKeyOrder(EntryVisitor visitor) {
    byte[][] previous = {null};
    store.forEachInKeyOrder(
        (key, value, version) -> {
          byte[] last = previous[0];
          if (last != null && Arrays.compareUnsigned(last, key) >= 0) {
            throw new IllegalStateException(
                "the store yielded its keys out of order during a frozen walk");
          }
          visitSavedBetween(last, key, visitor);
          Versioned before = saved.get(key);
          if (before == null) {
            visitor.visit(key, value, version);
          } else if (before != ABSENT) {
            visitor.visit(key, before.value(), before.version());
          }
          previous[0] = key;
        });
    visitSavedBetween(previous[0], null, visitor);
  }

  /**
   * Visits the saved keys strictly between {@code lo} and {@code hi} (null: unbounded) that existed
   * at the freeze: the walk passed them without finding them, so they were deleted after it.
   */
  private void visitSavedBetween(byte[] lo, byte[] hi, EntryVisitor visitor) {
    NavigableMap<byte[], Versioned> between;
    if (lo == null && hi == null) {
      between = saved;
    } else if (lo == null) {
      between = saved.headMap(hi, false);
    } else if (hi == null) {
      between = saved.tailMap(lo, false);
    } else {
      between = saved.subMap(lo, false, hi, false);
    }
    for (Map.Entry<byte[], Versioned> e : between.entrySet()) {
      Versioned v = e.getValue();
      if (v != ABSENT) {
        visitor.visit(e.getKey(), v.value(), v.version());
      }
    }
  }
}

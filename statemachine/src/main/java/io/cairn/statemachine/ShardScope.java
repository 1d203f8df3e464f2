package io.cairn.statemachine;

import io.cairn.proto.KeyRing;
import io.cairn.proto.internal.KeyOwnership;
import io.cairn.proto.internal.NotServed;
import java.util.HashSet;
import java.util.Set;

/**
 * Which keys a shard serves and how it versions them: the part of a shard's replicated state that
 * adding a shard changes (docs/shard-split.md). Immutable; the apply thread replaces it whole, so a
 * reader on another thread sees one scope or the next, never half of one.
 *
 * <p>A shard that has never been in a split serves every key and versions a write with its log
 * index ({@link #EVERY_KEY}). A split gives the shards that lose keys an ownership (the key ring
 * with the new shard), and the new shard an ownership, a filling phase in which it serves nothing,
 * and a version base that keeps every key's versions growing across the move.
 */
final class ShardScope {
  /** Most shards a ring in a split step may name. */
  static final int RING_SHARDS_MAX = 4_096;

  /** Most points per shard, as {@code cluster.virtual-nodes-per-shard} allows. */
  static final int VIRTUAL_NODES_MAX = 4_096;

  /**
   * Highest version base or ingested version a split step may carry: 2^62, so that a log index
   * added to it cannot wrap.
   */
  static final long VERSION_MAX = 1L << 62;

  static final ShardScope EVERY_KEY = new ShardScope(null, null, false, 0, 0, null, null);

  private final KeyOwnership ownership; // null: every key
  private final KeyRing ring; // built from ownership; null with it
  private final boolean filling;
  private final long versionBase;
  private final long fenceIndex;
  // What the shard owned before its last fence (null: every key): the keys that fence gave away
  // are those it owned then and does not own now, never a leftover of an earlier split.
  private final KeyOwnership previous;
  private final KeyRing previousRing;

  private ShardScope(
      KeyOwnership ownership,
      KeyRing ring,
      boolean filling,
      long versionBase,
      long fenceIndex,
      KeyOwnership previous,
      KeyRing previousRing) {
    this.ownership = ownership;
    this.ring = ring;
    this.filling = filling;
    this.versionBase = versionBase;
    this.fenceIndex = fenceIndex;
    this.previous = previous;
    this.previousRing = previousRing;
  }

  /**
   * The scope a snapshot or a split step describes.
   *
   * @throws IllegalArgumentException naming the broken rule if {@code ownership} is malformed (see
   *     {@link #checkOwnership}), or if a filling shard has no ownership
   */
  static ShardScope of(
      KeyOwnership ownership,
      boolean filling,
      long versionBase,
      long fenceIndex,
      KeyOwnership previous) {
    if (ownership == null) {
      if (filling || previous != null) {
        throw new IllegalArgumentException("a filling or fenced shard must say which keys it owns");
      }
      return versionBase == 0 && fenceIndex == 0
          ? EVERY_KEY
          : new ShardScope(null, null, false, versionBase, fenceIndex, null, null);
    }
    checkOwnership(ownership);
    KeyRing previousRing = null;
    if (previous != null) {
      checkOwnership(previous);
      if (previous.getShardId() != ownership.getShardId()) {
        throw new IllegalArgumentException("a shard's previous ownership is for another shard");
      }
      previousRing = ringOf(previous);
    }
    return new ShardScope(
        ownership, ringOf(ownership), filling, versionBase, fenceIndex, previous, previousRing);
  }

  private static KeyRing ringOf(KeyOwnership o) {
    return new KeyRing(o.getRingShardIdsList(), o.getVirtualNodesPerShard());
  }

  /**
   * Checks an ownership from a peer or a snapshot: a ring of 1 to {@link #RING_SHARDS_MAX} distinct
   * shard ids that names the shard itself, with 1 to {@link #VIRTUAL_NODES_MAX} points per shard.
   *
   * @throws IllegalArgumentException naming the broken rule
   */
  static void checkOwnership(KeyOwnership o) {
    int shards = o.getRingShardIdsCount();
    if (shards < 1 || shards > RING_SHARDS_MAX) {
      throw new IllegalArgumentException(
          "an ownership's ring names " + shards + " shards; it must name 1 to " + RING_SHARDS_MAX);
    }
    int vnodes = o.getVirtualNodesPerShard();
    if (vnodes < 1 || vnodes > VIRTUAL_NODES_MAX) {
      throw new IllegalArgumentException(
          "an ownership's ring has "
              + Integer.toUnsignedString(vnodes)
              + " points per shard; it must have 1 to "
              + VIRTUAL_NODES_MAX);
    }
    Set<Integer> ids = new HashSet<>();
    for (int id : o.getRingShardIdsList()) {
      if (!ids.add(id)) {
        throw new IllegalArgumentException(
            "an ownership's ring names shard " + Integer.toUnsignedString(id) + " twice");
      }
    }
    if (!ids.contains(o.getShardId())) {
      throw new IllegalArgumentException(
          "an ownership for shard "
              + Integer.toUnsignedString(o.getShardId())
              + " has a ring without that shard");
    }
  }

  /** True while the shard serves every key: {@link #refusal} is then null for every key. */
  boolean servesEveryKey() {
    return ring == null && !filling;
  }

  /** Why this shard does not serve {@code key} now, or null if it does. */
  NotServed refusal(byte[] key) {
    if (filling) {
      return NotServed.newBuilder()
          .setOwnerShardId(ownership.getShardId())
          .setFilling(true)
          .build();
    }
    if (ring == null) {
      return null;
    }
    int owner = ring.shardFor(key);
    return owner == ownership.getShardId()
        ? null
        : NotServed.newBuilder().setOwnerShardId(owner).build();
  }

  /** The shard a split step may give {@code key} to: its owner by this scope's ring. */
  int ownerOf(byte[] key) {
    return ring == null ? -1 : ring.shardFor(key);
  }

  /**
   * Whether this shard's last fence gave {@code key} to {@code toShard}: it owned the key before
   * the fence and the ring since gives it to {@code toShard}.
   */
  boolean gaveAway(byte[] key, int toShard) {
    if (ring == null || ring.shardFor(key) != toShard) {
      return false;
    }
    return previousRing == null || previousRing.shardFor(key) == ownership.getShardId();
  }

  /** What the shard owned before its last fence; null: every key (or never fenced). */
  KeyOwnership previous() {
    return previous;
  }

  /** The version a write applied at {@code index} stamps: the index plus the version base. */
  long versionAt(long index) {
    return index + versionBase;
  }

  /** The ownership, or null while the shard serves every key. */
  KeyOwnership ownership() {
    return ownership;
  }

  boolean filling() {
    return filling;
  }

  long versionBase() {
    return versionBase;
  }

  /** The index of the entry that fenced this shard for its last split; 0 if none did. */
  long fenceIndex() {
    return fenceIndex;
  }

  /** True for a shard no split has touched: a snapshot of it keeps the first format. */
  boolean isEveryKey() {
    return ownership == null && versionBase == 0 && fenceIndex == 0;
  }

  ShardScope fencedBy(KeyOwnership next, long index) {
    return of(next, false, versionBase, index, ownership);
  }

  ShardScope fillingFor(KeyOwnership next) {
    return of(next, true, versionBase, fenceIndex, null);
  }

  /** The version base raised to at least {@code floor} (it never falls). */
  ShardScope withVersionBaseAtLeast(long floor) {
    return floor <= versionBase ? this : of(ownership, filling, floor, fenceIndex, previous);
  }

  ShardScope activated() {
    return of(ownership, false, versionBase, fenceIndex, previous);
  }
}

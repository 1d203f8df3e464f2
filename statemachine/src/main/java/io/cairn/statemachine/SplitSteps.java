package io.cairn.statemachine;

import com.google.protobuf.ByteString;
import io.cairn.proto.internal.Activate;
import io.cairn.proto.internal.DropMoved;
import io.cairn.proto.internal.DroppedPage;
import io.cairn.proto.internal.ExportSessions;
import io.cairn.proto.internal.Ingest;
import io.cairn.proto.internal.KeyOwnership;
import io.cairn.proto.internal.SessionPage;
import io.cairn.proto.internal.SnapshotEntry;
import io.cairn.proto.internal.SnapshotSession;
import io.cairn.proto.internal.SplitStep;
import io.cairn.proto.internal.SplitStepResult;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Applies the steps of adding a shard ({@link SplitStep}) to one shard's state, on its apply thread
 * (docs/shard-split.md has the protocol; this is each shard's part of it).
 *
 * <p>Every step is checked whole before it changes anything: a step that does not fit the shard's
 * state, or that carries something malformed, gets a {@code refused} result saying why and leaves
 * the shard as it was. Steps come from nodes (the peer port) and are deterministic like every
 * entry: the same state and step give the same result on every replica.
 */
final class SplitSteps {
  /** Most sessions one export page returns. */
  static final int EXPORT_SESSIONS_MAX = 1_000;

  /** An export page of sessions ends after the session that brings it to this many bytes. */
  static final long EXPORT_SESSIONS_BYTES = 1 << 20;

  /** Most keys one drop step looks at, so one entry's apply stays short. */
  static final int DROP_KEYS_MAX = 10_000;

  /** A step's outcome: the shard's scope after it (the same one if nothing changed) and result. */
  record Applied(ShardScope scope, SplitStepResult result) {}

  private final KvStore store;
  private final ClientSessions sessions;
  private final Consumer<byte[]> beforeChange;

  /**
   * @param beforeChange called with every key the step is about to put or remove, before it does
   */
  SplitSteps(KvStore store, ClientSessions sessions, Consumer<byte[]> beforeChange) {
    this.store = store;
    this.sessions = sessions;
    this.beforeChange = beforeChange;
  }

  Applied apply(SplitStep step, ShardScope scope, long index) {
    // Exhaustive on purpose: a new step in replicated.proto must not compile unhandled.
    return switch (step.getStepCase()) {
      case FENCE -> fence(step.getFence(), scope, index);
      case EXPORT_SESSIONS -> new Applied(scope, exportSessions(step.getExportSessions()));
      case BEGIN_FILL -> beginFill(step.getBeginFill(), scope);
      case INGEST -> ingest(step.getIngest(), scope);
      case ACTIVATE -> activate(step.getActivate(), scope);
      case DROP_MOVED -> dropMoved(step.getDropMoved(), scope);
      case STEP_NOT_SET -> refused(scope, "the split step names no step");
    };
  }

  private Applied fence(KeyOwnership next, ShardScope scope, long index) {
    if (scope.filling()) {
      return refused(scope, "this shard is still filling; it gives no keys away before it serves");
    }
    try {
      ShardScope.checkOwnership(next);
    } catch (IllegalArgumentException e) {
      return refused(scope, "fence: " + e.getMessage());
    }
    KeyOwnership current = scope.ownership();
    if (current != null) {
      if (next.getShardId() != current.getShardId()) {
        return refused(
            scope,
            "fence: it is for shard "
                + Integer.toUnsignedString(next.getShardId())
                + " but this is shard "
                + Integer.toUnsignedString(current.getShardId()));
      }
      if (next.equals(current) && scope.fenceIndex() != 0) {
        return done(scope, scope.fenceIndex(), scope.versionBase()); // a repeat
      }
      if (next.getVirtualNodesPerShard() != current.getVirtualNodesPerShard()) {
        return refused(
            scope,
            "fence: its ring has "
                + next.getVirtualNodesPerShard()
                + " points per shard, this shard's has "
                + current.getVirtualNodesPerShard());
      }
      Set<Integer> nextIds = new HashSet<>(next.getRingShardIdsList());
      for (int id : current.getRingShardIdsList()) {
        if (!nextIds.contains(id)) {
          return refused(
              scope,
              "fence: its ring lacks shard "
                  + Integer.toUnsignedString(id)
                  + "; a split only adds shards to the ring");
        }
      }
    }
    return done(scope.fencedBy(next, index), index, scope.versionBase());
  }

  private SplitStepResult exportSessions(ExportSessions page) {
    int max = page.getMaxSessions();
    if (max == 0 || max > EXPORT_SESSIONS_MAX) {
      max = EXPORT_SESSIONS_MAX;
    }
    List<SnapshotSession> records =
        sessions.recordsAfter(page.getAfterClientId(), max, EXPORT_SESSIONS_BYTES);
    boolean last =
        records.isEmpty()
            || !sessions.hasSessionAfter(records.get(records.size() - 1).getClientId());
    return SplitStepResult.newBuilder()
        .setSessions(SessionPage.newBuilder().addAllSessions(records).setLast(last))
        .build();
  }

  private Applied beginFill(KeyOwnership own, ShardScope scope) {
    try {
      ShardScope.checkOwnership(own);
    } catch (IllegalArgumentException e) {
      return refused(scope, "begin_fill: " + e.getMessage());
    }
    if (own.equals(scope.ownership())) {
      if (scope.filling()) {
        return done(scope, 0, 0); // a repeat
      }
      if (scope.fenceIndex() == 0) {
        // A repeat after the activation: the coordinator that sends it lost track and learns here
        // that only the activation (idempotent) and the map change are left.
        return new Applied(
            scope,
            SplitStepResult.newBuilder()
                .setDone(SplitStepResult.Done.newBuilder().setServing(true))
                .build());
      }
    }
    if (!scope.isEveryKey() || store.keyCount() != 0 || sessions.size() != 0) {
      return refused(
          scope,
          "begin_fill: only a new, empty shard can be filled; this one "
              + (scope.filling()
                  ? "is filling for another ring"
                  : "holds " + store.keyCount() + " keys and " + sessions.size() + " sessions"));
    }
    return done(scope.fillingFor(own), 0, 0);
  }

  private Applied ingest(Ingest ingest, ShardScope scope) {
    if (!scope.filling()) {
      return refused(scope, "ingest: this shard is not filling; nothing was ingested");
    }
    int self = scope.ownership().getShardId();
    long maxVersion = 0;
    for (SnapshotEntry e : ingest.getEntriesList()) {
      if (e.getKey().isEmpty()) {
        return refused(scope, "ingest: an entry has an empty key; nothing was ingested");
      }
      if (e.getVersion() < 1 || Long.compareUnsigned(e.getVersion(), ShardScope.VERSION_MAX) > 0) {
        return refused(
            scope,
            "ingest: an entry has version "
                + Long.toUnsignedString(e.getVersion())
                + "; versions are 1 to "
                + ShardScope.VERSION_MAX
                + "; nothing was ingested");
      }
      int owner = scope.ownerOf(e.getKey().toByteArray());
      if (owner != self) {
        return refused(
            scope,
            "ingest: an entry's key belongs to shard "
                + Integer.toUnsignedString(owner)
                + " by this shard's ring, not to this one; nothing was ingested");
      }
      maxVersion = Math.max(maxVersion, e.getVersion());
    }
    for (SnapshotSession s : ingest.getSessionsList()) {
      try {
        ClientSessions.checkRecord(s);
      } catch (IllegalArgumentException e) {
        return refused(scope, "ingest: " + e.getMessage() + "; nothing was ingested");
      }
    }
    for (SnapshotEntry e : ingest.getEntriesList()) {
      byte[] key = e.getKey().toByteArray();
      Versioned held = store.peek(key);
      if (held != null && held.version() >= e.getVersion()) {
        continue; // a page sent twice, or out of order: the newer copy stays
      }
      beforeChange.accept(key);
      store.put(key, e.getValue().toByteArray(), e.getVersion());
    }
    ingest.getSessionsList().forEach(sessions::merge);
    // Every version held stays at most applied index + base, as snapshots check.
    return done(scope.withVersionBaseAtLeast(maxVersion), 0, 0);
  }

  private Applied activate(Activate activate, ShardScope scope) {
    if (Long.compareUnsigned(activate.getVersionBase(), ShardScope.VERSION_MAX) > 0) {
      return refused(
          scope,
          "activate: version base "
              + Long.toUnsignedString(activate.getVersionBase())
              + " is above "
              + ShardScope.VERSION_MAX);
    }
    if (!scope.filling()) {
      if (scope.ownership() != null && scope.versionBase() >= activate.getVersionBase()) {
        return done(scope, 0, scope.versionBase()); // a repeat
      }
      return refused(scope, "activate: this shard is not filling");
    }
    ShardScope active = scope.withVersionBaseAtLeast(activate.getVersionBase()).activated();
    return done(active, 0, active.versionBase());
  }

  private Applied dropMoved(DropMoved drop, ShardScope scope) {
    if (scope.filling() || scope.ownership() == null || scope.fenceIndex() == 0) {
      return refused(scope, "drop_moved: this shard has given no keys away");
    }
    if (drop.getFenceIndex() != scope.fenceIndex()) {
      return refused(
          scope,
          "drop_moved: it follows the fence at index "
              + Long.toUnsignedString(drop.getFenceIndex())
              + ", but this shard's last fence is at "
              + scope.fenceIndex()
              + "; a drop for another split changes nothing");
    }
    int max = drop.getMaxKeys();
    if (max == 0 || max > DROP_KEYS_MAX) {
      max = DROP_KEYS_MAX;
    }
    byte[] after = drop.getAfterKey().isEmpty() ? null : drop.getAfterKey().toByteArray();
    List<byte[]> moved = new ArrayList<>();
    byte[][] last = {null};
    int[] seen = {0};
    store.forEachAfter(
        after,
        max,
        (key, value, version) -> {
          if (scope.refusal(key) != null) {
            moved.add(key);
          }
          last[0] = key;
          seen[0]++;
          return true;
        });
    for (byte[] key : moved) {
      beforeChange.accept(key);
      store.remove(key);
    }
    DroppedPage.Builder page = DroppedPage.newBuilder().setDropped(moved.size());
    if (seen[0] == max) {
      page.setNextAfterKey(ByteString.copyFrom(last[0]));
    }
    return new Applied(scope, SplitStepResult.newBuilder().setDropped(page).build());
  }

  private static Applied done(ShardScope scope, long fenceIndex, long versionBase) {
    return new Applied(
        scope,
        SplitStepResult.newBuilder()
            .setDone(
                SplitStepResult.Done.newBuilder()
                    .setFenceIndex(fenceIndex)
                    .setVersionBase(versionBase))
            .build());
  }

  private static Applied refused(ShardScope scope, String why) {
    return new Applied(scope, SplitStepResult.newBuilder().setRefused(why).build());
  }
}

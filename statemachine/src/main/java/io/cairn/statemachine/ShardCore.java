package io.cairn.statemachine;

import com.google.protobuf.ByteString;
import io.cairn.proto.internal.BatchResult;
import io.cairn.proto.internal.Command;
import io.cairn.proto.internal.CommandBatch;
import io.cairn.proto.internal.CommandResult;
import io.cairn.proto.internal.DeleteCommand;
import io.cairn.proto.internal.DeleteOutcome;
import io.cairn.proto.internal.KeyOwnership;
import io.cairn.proto.internal.NotServed;
import io.cairn.proto.internal.PutCommand;
import io.cairn.proto.internal.ReadResult;
import io.cairn.proto.internal.SnapshotEntry;
import io.cairn.proto.internal.SnapshotSession;
import io.cairn.proto.internal.VersionMismatch;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The deterministic apply logic of one data shard: Raft log entries ({@link CommandBatch}) in,
 * results out, over a {@link KvStore}.
 *
 * <p><b>Determinism.</b> The result of {@link #apply} depends only on the state and the entry: no
 * clock (session expiry uses the leader's {@code proposed_at_ms} from the entry), no randomness, no
 * per-node config (size limits are checked before proposing, see {@link RequestLimits}), and fixed
 * iteration orders. Every replica therefore holds the same state after the same entries, and a
 * snapshot of it is byte-for-byte the same.
 *
 * <p><b>Versions.</b> A put or delete that applies stamps the key with the entry's log index; all
 * commands of a batch share it. A shard made by a split adds its version base to the index, so the
 * versions of the keys it took over keep growing ({@link ShardScope}). Compare-and-set: no
 * expected_version means unconditional; 0 means "the key must not exist"; n means "the key's
 * version must be n". A failed expectation is an answer ({@code mismatch}), never an exception, and
 * changes nothing.
 *
 * <p><b>Why deletes leave no tombstone.</b> Deletes go through the Raft log like puts, so every
 * replica removes the key at the same point of the same order. A key created again later gets the
 * index of that later entry as its version, which is larger than any version it had before the
 * delete (log indexes only grow), so a compare-and-set holding a version from before the delete can
 * never match the new key. Nothing about the deleted key needs remembering.
 *
 * <p><b>Splits.</b> An entry may carry a step of adding a shard instead of commands ({@link
 * SplitSteps}). After a split a shard serves only the keys its ring gives it: a write or read of
 * another key gets {@code not_served} and changes nothing, except that a retried write it applied
 * before the split still gets its first result (docs/shard-split.md).
 *
 * <p><b>Exactly-once.</b> A command whose write_id carries a client_id goes through {@link
 * ClientSessions}: a retried write returns the first result without applying again. Commands
 * without a client_id are applied every time.
 *
 * <p><b>Threads.</b> {@link #apply}, {@link #advanceAppliedIndex}, {@link #writeSnapshot} and
 * {@link #restore} run on one thread, the Raft group's apply thread. {@link #read}, {@link
 * #appliedIndex}, {@link #keyCount}, {@link #storageBytes} and {@link #sessionCount} may run on any
 * thread at the same time. An exception from apply is a broken invariant (an index going backwards,
 * a failing store), not a bad request; the adapter should treat it as fatal for the replica.
 */
public final class ShardCore {
  private final KvStore store;
  private final ClientSessions sessions;
  private final SplitSteps splitSteps;
  // Which keys the shard serves; replaced whole by the apply thread, read by any.
  private volatile ShardScope scope;
  // Written only by the apply thread. appliedIndex: the last entry fully applied.
  // applyingIndex: the entry being applied now (or the last one), published before the store
  // changes, so a concurrent read can name an index no lower than the state it saw.
  private volatile long appliedIndex;
  private volatile long applyingIndex;
  private volatile int sessionCount; // a copy of sessions.size() for other threads
  // The view a snapshot is being written from, if any; only the apply thread sets it.
  private volatile FrozenStore frozen;

  /** A shard at applied index 0 over {@code store}, which should be empty. */
  public ShardCore(KvStore store) {
    this(store, new ClientSessions(), 0, ShardScope.EVERY_KEY);
  }

  private ShardCore(KvStore store, ClientSessions sessions, long appliedIndex, ShardScope scope) {
    this.store = store;
    this.sessions = sessions;
    this.splitSteps = new SplitSteps(store, sessions, this::beforeChange);
    this.scope = scope;
    this.appliedIndex = appliedIndex;
    this.applyingIndex = appliedIndex;
    this.sessionCount = sessions.size();
  }

  /**
   * Applies one log entry. Never throws on user input: every command gets a result, in command
   * order, and {@code BatchResult.index} is {@code index}. A command with no operation set gets an
   * empty result (no outcome) and changes no key (with a client id it still counts as that
   * session's write: the session is touched and the empty result remembered).
   *
   * @param index the entry's log index; at least 1 and above {@link #appliedIndex()}
   * @throws IllegalArgumentException if {@code index} does not move the shard forward
   */
  public BatchResult apply(CommandBatch batch, long index) {
    if (index < 1 || index <= appliedIndex) {
      throw new IllegalArgumentException(
          "apply: entry index "
              + index
              + " must be at least 1 and above the applied index "
              + appliedIndex);
    }
    applyingIndex = index;
    long nowMs = batch.getProposedAtMs();
    sessions.expireIdle(nowMs);
    BatchResult.Builder out = BatchResult.newBuilder().setIndex(index);
    if (batch.hasSplitStep()) {
      SplitSteps.Applied step = splitSteps.apply(batch.getSplitStep(), scope, index);
      scope = step.scope();
      out.setSplitStep(step.result());
    }
    ShardScope current = scope;
    for (Command command : batch.getCommandsList()) {
      out.addResults(applyOne(command, nowMs, index, current));
    }
    sessionCount = sessions.size();
    appliedIndex = index;
    return out.build();
  }

  private CommandResult applyOne(Command command, long nowMs, long index, ShardScope scope) {
    boolean session = command.hasWriteId() && !command.getWriteId().getClientId().isEmpty();
    if (!scope.servesEveryKey()) {
      NotServed refusal = refusalOf(command, scope);
      if (refusal != null) {
        // A retry of a write applied here before the key moved still gets its first answer;
        // anything else is for the key's owner now, and leaves this shard as it was.
        CommandResult answered = session ? sessions.answered(command.getWriteId()) : null;
        return answered != null
            ? answered
            : CommandResult.newBuilder().setNotServed(refusal).build();
      }
    }
    long version = scope.versionAt(index);
    if (session) {
      return sessions.applyOnce(
          command.getWriteId(), nowMs, index, () -> execute(command, version));
    }
    return execute(command, version);
  }

  private static NotServed refusalOf(Command command, ShardScope scope) {
    return switch (command.getOpCase()) {
      case PUT -> scope.refusal(command.getPut().getKey().toByteArray());
      case DELETE -> scope.refusal(command.getDelete().getKey().toByteArray());
      case OP_NOT_SET -> null;
    };
  }

  /** Runs one command; a put or delete that applies stamps {@code version}. */
  private CommandResult execute(Command command, long version) {
    // Exhaustive on purpose: a new operation in replicated.proto must not compile unhandled.
    return switch (command.getOpCase()) {
      case PUT -> put(command.getPut(), version);
      case DELETE -> delete(command.getDelete(), version);
      case OP_NOT_SET -> CommandResult.getDefaultInstance(); // the node rejects these earlier
    };
  }

  private CommandResult put(PutCommand put, long version) {
    byte[] key = put.getKey().toByteArray();
    CommandResult mismatch =
        checkExpectation(key, put.hasExpectedVersion(), put.getExpectedVersion());
    if (mismatch != null) {
      return mismatch;
    }
    beforeChange(key);
    store.put(key, put.getValue().toByteArray(), version);
    return CommandResult.newBuilder().setPutVersion(version).build();
  }

  /** The outcome's index is the delete's place in the key's history: {@code version}. */
  private CommandResult delete(DeleteCommand delete, long version) {
    byte[] key = delete.getKey().toByteArray();
    CommandResult mismatch =
        checkExpectation(key, delete.hasExpectedVersion(), delete.getExpectedVersion());
    if (mismatch != null) {
      return mismatch;
    }
    beforeChange(key);
    boolean existed = store.remove(key);
    return CommandResult.newBuilder()
        .setDeleted(DeleteOutcome.newBuilder().setExisted(existed).setIndex(version))
        .build();
  }

  private void beforeChange(byte[] key) {
    FrozenStore view = frozen;
    if (view != null) {
      view.beforeChange(key);
    }
  }

  /** A mismatch result if the key's state breaks the expectation, else null. */
  private CommandResult checkExpectation(byte[] key, boolean hasExpected, long expected) {
    if (!hasExpected) {
      return null;
    }
    Versioned current = store.get(key);
    long currentVersion = current == null ? 0 : current.version();
    boolean matches =
        expected == 0 ? current == null : current != null && currentVersion == expected;
    if (matches) {
      return null;
    }
    return CommandResult.newBuilder()
        .setMismatch(
            VersionMismatch.newBuilder()
                .setCurrentVersion(currentVersion)
                .setExists(current != null))
        .build();
  }

  /**
   * The key's current value and version. Safe to call while an entry is being applied.
   *
   * <p>{@code applied_index} is an upper bound on the log entries this read can have seen: the
   * applied index, or the index of the entry being applied at that moment. Session tokens built
   * from it therefore never let a later read (on a replica at least that far) go back in time.
   */
  public ReadResult read(byte[] key) {
    // The scope is looked at before the get (a shard that serves the key then has every key it
    // took over in place) and after it (a key the shard gave away, and may since have dropped,
    // must not read as absent).
    ShardScope before = scope;
    NotServed refusal = before.refusal(key);
    Versioned v = refusal == null ? store.get(key) : null;
    long seenUpTo = Math.max(applyingIndex, appliedIndex); // read after the get, see field doc
    ShardScope after = scope;
    if (refusal == null && after != before) {
      refusal = after.refusal(key);
    }
    ReadResult.Builder out = ReadResult.newBuilder().setAppliedIndex(seenUpTo);
    if (refusal != null) {
      return out.setNotServed(refusal).build();
    }
    if (v != null) {
      out.setFound(true).setValue(ByteString.copyFrom(v.value())).setVersion(v.version());
    }
    return out.build();
  }

  /** The index of the last log entry applied (0 before any). */
  public long appliedIndex() {
    return appliedIndex;
  }

  /** One page of {@link #exportMovedKeys}: the entries, and where the next page starts. */
  public record ExportPage(List<SnapshotEntry> entries, byte[] nextAfterKey) {
    /** True when no page follows this one. */
    public boolean last() {
      return nextAfterKey == null;
    }
  }

  /**
   * The keys this shard gave to {@code toShard} in its last split (it owned them before its last
   * fence; keys an earlier split gave away and a drop has not removed yet are not among them), with
   * values and versions: one page of at most {@code maxLooked} keys looked at, after {@code
   * afterKey} (null: from the first). Any thread. The keys a fence gave away never change here
   * again, so the pages of a walk fit together however the apply thread goes on meanwhile; they are
   * gone only after a {@code drop_moved} step, which comes after the new shard holds them.
   *
   * @throws IllegalStateException if this shard has not been fenced for a ring with {@code toShard}
   *     in it, or is filling
   */
  public ExportPage exportMovedKeys(int toShard, byte[] afterKey, int maxLooked) {
    return exportMovedKeys(toShard, afterKey, maxLooked, Long.MAX_VALUE);
  }

  /**
   * Like {@link #exportMovedKeys(int, byte[], int)}, and the page also ends after the entry that
   * brings its keys and values to {@code maxBytes} or more.
   */
  public ExportPage exportMovedKeys(int toShard, byte[] afterKey, int maxLooked, long maxBytes) {
    ShardScope s = scope;
    KeyOwnership own = s.ownership();
    if (s.filling()
        || own == null
        || s.fenceIndex() == 0
        || toShard == own.getShardId()
        || !own.getRingShardIdsList().contains(toShard)) {
      throw new IllegalStateException(
          "this shard has not been fenced for a split to shard "
              + Integer.toUnsignedString(toShard)
              + "; fence it first, then export");
    }
    List<SnapshotEntry> entries = new ArrayList<>();
    byte[][] last = {null};
    int[] looked = {0};
    long[] bytes = {0};
    store.forEachAfter(
        afterKey,
        maxLooked,
        (key, value, version) -> {
          if (s.gaveAway(key, toShard)) {
            entries.add(
                SnapshotEntry.newBuilder()
                    .setKey(ByteString.copyFrom(key))
                    .setValue(ByteString.copyFrom(value))
                    .setVersion(version)
                    .build());
            bytes[0] += key.length + value.length;
          }
          last[0] = key;
          looked[0]++;
          return bytes[0] < maxBytes;
        });
    boolean full = looked[0] == maxLooked || bytes[0] >= maxBytes;
    return new ExportPage(entries, full ? last[0] : null);
  }

  /** The shard's record of which keys it serves, or null while it serves every key. */
  public KeyOwnership ownership() {
    return scope.ownership();
  }

  /** True while this shard, made by a split, is being filled and serves no key. */
  public boolean filling() {
    return scope.filling();
  }

  /**
   * Records that the log reached {@code index} through an entry with no command for this core (a
   * Raft configuration change, a leader's no-op). Never moves the index back.
   */
  public void advanceAppliedIndex(long index) {
    if (index > appliedIndex) {
      applyingIndex = Math.max(applyingIndex, index);
      appliedIndex = index;
    }
  }

  /**
   * Writes the shard's state (applied index, every entry, the session table) in the format of
   * {@link ShardSnapshotFormat}, and flushes {@code out} without closing it.
   */
  public void writeSnapshot(OutputStream out) throws IOException {
    ShardSnapshotFormat.write(out, appliedIndex, scope, store, sessions);
  }

  /**
   * Freezes the shard's state as of the applied index, so that a snapshot of it can be written on
   * another thread while entries go on being applied ({@link FrozenStore}). Runs on the apply
   * thread and costs a copy of the session table; the store is copied only key by key, as entries
   * change it. Close the returned snapshot when done with it: until then every change saves a copy.
   *
   * @throws IllegalStateException if the previous frozen snapshot is still open
   */
  public FrozenSnapshot freeze() {
    if (frozen != null) {
      throw new IllegalStateException(
          "a frozen snapshot of this shard is still open; close it before freezing again");
    }
    FrozenStore view = new FrozenStore(store);
    FrozenSnapshot snapshot = new FrozenSnapshot(appliedIndex, scope, view, sessions.records());
    frozen = view;
    return snapshot;
  }

  /** The shard as {@link #freeze} found it; write it from any one thread, then close it. */
  public final class FrozenSnapshot implements AutoCloseable {
    private final long appliedIndex;
    private final ShardScope scope;
    private final FrozenStore view;
    private final List<SnapshotSession> sessionRecords;

    private FrozenSnapshot(
        long appliedIndex,
        ShardScope scope,
        FrozenStore view,
        List<SnapshotSession> sessionRecords) {
      this.appliedIndex = appliedIndex;
      this.scope = scope;
      this.view = view;
      this.sessionRecords = sessionRecords;
    }

    /** The applied index the state was frozen at. */
    public long appliedIndex() {
      return appliedIndex;
    }

    /** Keys changed since the freeze, each saved once. */
    public int changedKeys() {
      return view.changedKeys();
    }

    /**
     * Writes the frozen state in {@link #writeSnapshot}'s format (the same bytes {@link
     * #writeSnapshot} would have written at the freeze) and flushes {@code out}.
     */
    public void writeTo(OutputStream out) throws IOException {
      ShardSnapshotFormat.write(
          out, appliedIndex, scope, view.keyCount(), view::forEachInKeyOrder, sessionRecords);
    }

    /** Visits the frozen entries in key order, as {@link #writeTo} writes them. */
    void forEachEntry(EntryVisitor visitor) {
      view.forEachInKeyOrder(visitor);
    }

    /** Ends the freeze: the apply thread stops saving copies. Any thread; idempotent. */
    @Override
    public void close() {
      if (frozen == view) {
        frozen = null;
      }
      view.close();
    }
  }

  /**
   * SHA-256 of the {@link #writeSnapshot} stream: two replicas at the same applied index have the
   * same digest exactly when they hold the same keys, values, versions and client sessions. Reads
   * the whole state; runs where {@link #writeSnapshot} may.
   */
  public byte[] stateDigest() throws IOException {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
    try (OutputStream out = new DigestOutputStream(OutputStream.nullOutputStream(), sha)) {
      writeSnapshot(out);
    }
    return sha.digest();
  }

  /**
   * Rebuilds a shard from a snapshot written by {@link #writeSnapshot}, filling {@code emptyStore}.
   * The stream must end right after the snapshot.
   *
   * @throws SnapshotCorruptException if the snapshot is truncated, fails its CRC32C, has an unknown
   *     format version or breaks a rule of the format; the store is cleared first
   * @throws IllegalArgumentException if {@code emptyStore} is not empty
   */
  public static ShardCore restore(InputStream in, KvStore emptyStore) throws IOException {
    if (emptyStore.keyCount() != 0) {
      throw new IllegalArgumentException(
          "restore needs an empty store; this one holds " + emptyStore.keyCount() + " keys");
    }
    ShardSnapshotFormat.Restored restored;
    try {
      restored = ShardSnapshotFormat.read(in, emptyStore);
    } catch (IOException | RuntimeException e) {
      emptyStore.clear(); // leave no half-restored state behind
      throw e;
    }
    return new ShardCore(
        emptyStore, restored.sessions(), restored.appliedIndex(), restored.scope());
  }

  public long keyCount() {
    return store.keyCount();
  }

  public long storageBytes() {
    return store.storageBytes();
  }

  /** The number of client sessions the exactly-once table holds. */
  public int sessionCount() {
    return sessionCount;
  }

  public KvStore store() {
    return store;
  }
}

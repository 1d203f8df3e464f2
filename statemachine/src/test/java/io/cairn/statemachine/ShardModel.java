package io.cairn.statemachine;

import com.google.protobuf.ByteString;
import io.cairn.proto.WriteId;
import io.cairn.proto.internal.BatchResult;
import io.cairn.proto.internal.Command;
import io.cairn.proto.internal.CommandBatch;
import io.cairn.proto.internal.CommandResult;
import io.cairn.proto.internal.DeleteCommand;
import io.cairn.proto.internal.DeleteOutcome;
import io.cairn.proto.internal.PutCommand;
import io.cairn.proto.internal.ReadResult;
import io.cairn.proto.internal.VersionMismatch;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A deliberately plain model of one data shard, the oracle {@link ShardCoreModelTest} checks {@link
 * ShardCore} against: a {@link TreeMap} of key to (value, version) and a table of client sessions.
 *
 * <p>It is written from the contract (the javadoc of {@link ShardCore} and {@link ClientSessions},
 * and replicated.proto), not from their code, and it shares none of it: no store, no activity
 * index, no snapshot. Where the core is built for speed (a store behind an interface, sessions
 * ordered by activity), this is built to be read: hash maps and linear scans. Only the three limits
 * are taken from {@link ClientSessions}, because they are the contract's numbers.
 *
 * <p>The rules, in the order they apply:
 *
 * <ul>
 *   <li>An entry first forgets every session idle for more than {@link
 *       ClientSessions#SESSION_IDLE_MS_MAX} of the entry's {@code proposed_at_ms}, then applies its
 *       commands in order. Every command that changes a key stamps it with the entry's index, so
 *       all commands of an entry share one version.
 *   <li>A command without a client id in its write id is applied every time.
 *   <li>A command with one belongs to that client's session (created if missing; at {@link
 *       ClientSessions#SESSIONS_MAX} the least recently active session, ties by lowest client id in
 *       unsigned byte order, is dropped first). The session becomes active at the entry's time,
 *       even if that is earlier than before. Its acked_below only rises, and rising drops the
 *       results below it. Then: a result cached for the sequence is the answer, unchanged; else a
 *       sequence below acked_below is a stale duplicate; else the command is applied and its result
 *       cached, dropping the lowest sequence beyond {@link ClientSessions#RESULTS_PER_SESSION_MAX}
 *       results. Sequences and acked_below are unsigned.
 *   <li>Put and delete check their expected version first: absent means unconditional, 0 means the
 *       key must not exist, n means its version must be n. A failed check answers the current
 *       version (0 if absent) and whether the key exists, and changes nothing.
 *   <li>A command with no operation answers an empty result and changes no key (with a client id it
 *       still goes through the session like any other write).
 * </ul>
 */
final class ShardModel {
  private static final Comparator<ByteString> UNSIGNED_BYTES =
      ByteString.unsignedLexicographicalComparator();

  private final TreeMap<ByteString, Stored> entries = new TreeMap<>(UNSIGNED_BYTES);
  private final Map<ByteString, Session> sessionsByClient = new HashMap<>();
  private long appliedIndex;

  private record Stored(ByteString value, long version) {}

  private static final class Session {
    long lastActiveMs;
    long ackedBelow; // unsigned
    final Map<Long, CommandResult> resultsBySequence = new HashMap<>();
  }

  /** Applies one log entry at {@code index}; the caller keeps indexes rising. */
  BatchResult apply(CommandBatch batch, long index) {
    long nowMs = batch.getProposedAtMs();
    // A leader's clock, so the subtraction stays far from overflow (the tests keep it realistic).
    sessionsByClient
        .values()
        .removeIf(s -> nowMs - s.lastActiveMs > ClientSessions.SESSION_IDLE_MS_MAX);
    BatchResult.Builder out = BatchResult.newBuilder().setIndex(index);
    for (Command command : batch.getCommandsList()) {
      out.addResults(applyCommand(command, nowMs, index));
    }
    appliedIndex = index;
    return out.build();
  }

  /** An entry with no command for the shard (a configuration change, a leader's no-op). */
  void skipTo(long index) {
    appliedIndex = Math.max(appliedIndex, index);
  }

  ReadResult read(ByteString key) {
    ReadResult.Builder out = ReadResult.newBuilder().setAppliedIndex(appliedIndex);
    Stored stored = entries.get(key);
    if (stored != null) {
      out.setFound(true).setValue(stored.value()).setVersion(stored.version());
    }
    return out.build();
  }

  /** The key's version, 0 if it is absent. */
  long versionOf(ByteString key) {
    Stored stored = entries.get(key);
    return stored == null ? 0 : stored.version();
  }

  long appliedIndex() {
    return appliedIndex;
  }

  long keyCount() {
    return entries.size();
  }

  int sessionCount() {
    return sessionsByClient.size();
  }

  private CommandResult applyCommand(Command command, long nowMs, long index) {
    WriteId id = command.getWriteId();
    if (id.getClientId().isEmpty()) {
      return execute(command, index);
    }
    Session session = sessionOf(id.getClientId());
    session.lastActiveMs = nowMs;
    if (Long.compareUnsigned(id.getAckedBelow(), session.ackedBelow) > 0) {
      long ackedBelow = id.getAckedBelow();
      session.ackedBelow = ackedBelow;
      session.resultsBySequence.keySet().removeIf(seq -> Long.compareUnsigned(seq, ackedBelow) < 0);
    }
    long sequence = id.getSequence();
    CommandResult cached = session.resultsBySequence.get(sequence);
    if (cached != null) {
      return cached;
    }
    if (Long.compareUnsigned(sequence, session.ackedBelow) < 0) {
      return CommandResult.newBuilder().setStaleDuplicate(true).build();
    }
    CommandResult result = execute(command, index);
    session.resultsBySequence.put(sequence, result);
    if (session.resultsBySequence.size() > ClientSessions.RESULTS_PER_SESSION_MAX) {
      long lowest =
          session.resultsBySequence.keySet().stream().min(Long::compareUnsigned).orElseThrow();
      session.resultsBySequence.remove(lowest);
    }
    return result;
  }

  private Session sessionOf(ByteString clientId) {
    Session session = sessionsByClient.get(clientId);
    if (session == null) {
      if (sessionsByClient.size() >= ClientSessions.SESSIONS_MAX) {
        sessionsByClient.remove(leastRecentlyActiveClient());
      }
      session = new Session();
      sessionsByClient.put(clientId, session);
    }
    return session;
  }

  private ByteString leastRecentlyActiveClient() {
    return sessionsByClient.entrySet().stream()
        .min(
            Comparator.<Map.Entry<ByteString, Session>>comparingLong(e -> e.getValue().lastActiveMs)
                .thenComparing(Map.Entry::getKey, UNSIGNED_BYTES))
        .orElseThrow()
        .getKey();
  }

  private CommandResult execute(Command command, long index) {
    return switch (command.getOpCase()) {
      case PUT -> put(command.getPut(), index);
      case DELETE -> delete(command.getDelete(), index);
      case OP_NOT_SET -> CommandResult.getDefaultInstance();
    };
  }

  private CommandResult put(PutCommand put, long index) {
    if (put.hasExpectedVersion() && !expectationHolds(put.getKey(), put.getExpectedVersion())) {
      return mismatchOn(put.getKey());
    }
    entries.put(put.getKey(), new Stored(put.getValue(), index));
    return CommandResult.newBuilder().setPutVersion(index).build();
  }

  private CommandResult delete(DeleteCommand delete, long index) {
    if (delete.hasExpectedVersion()
        && !expectationHolds(delete.getKey(), delete.getExpectedVersion())) {
      return mismatchOn(delete.getKey());
    }
    boolean existed = entries.remove(delete.getKey()) != null;
    return CommandResult.newBuilder()
        .setDeleted(DeleteOutcome.newBuilder().setExisted(existed).setIndex(index))
        .build();
  }

  private boolean expectationHolds(ByteString key, long expectedVersion) {
    boolean exists = entries.containsKey(key);
    if (expectedVersion == 0) {
      return !exists;
    }
    return exists && entries.get(key).version() == expectedVersion;
  }

  private CommandResult mismatchOn(ByteString key) {
    return CommandResult.newBuilder()
        .setMismatch(
            VersionMismatch.newBuilder()
                .setCurrentVersion(versionOf(key))
                .setExists(entries.containsKey(key)))
        .build();
  }
}

package io.cairn.statemachine;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.protobuf.ByteString;
import io.cairn.proto.WriteId;
import io.cairn.proto.internal.Command;
import io.cairn.proto.internal.CommandBatch;
import io.cairn.proto.internal.CommandResult;
import io.cairn.proto.internal.DeleteCommand;
import io.cairn.proto.internal.DeleteOutcome;
import io.cairn.proto.internal.PutCommand;
import io.cairn.proto.internal.VersionMismatch;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** Builders for the commands, batches and results the shard tests use. */
final class Commands {
  private Commands() {}

  static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  static byte[] key(String s) {
    return s.getBytes(UTF_8);
  }

  static Command put(String key, String value) {
    return Command.newBuilder()
        .setPut(PutCommand.newBuilder().setKey(b(key)).setValue(b(value)))
        .build();
  }

  static Command putIf(String key, String value, long expectedVersion) {
    return Command.newBuilder()
        .setPut(
            PutCommand.newBuilder()
                .setKey(b(key))
                .setValue(b(value))
                .setExpectedVersion(expectedVersion))
        .build();
  }

  static Command delete(String key) {
    return Command.newBuilder().setDelete(DeleteCommand.newBuilder().setKey(b(key))).build();
  }

  static Command deleteIf(String key, long expectedVersion) {
    return Command.newBuilder()
        .setDelete(DeleteCommand.newBuilder().setKey(b(key)).setExpectedVersion(expectedVersion))
        .build();
  }

  /** {@code command} sent by {@code client} as its write {@code sequence}. */
  static Command from(String client, long sequence, long ackedBelow, Command command) {
    return command.toBuilder()
        .setWriteId(
            WriteId.newBuilder()
                .setClientId(b(client))
                .setSequence(sequence)
                .setAckedBelow(ackedBelow))
        .build();
  }

  static CommandBatch batch(long proposedAtMs, Command... commands) {
    return CommandBatch.newBuilder()
        .setProposedAtMs(proposedAtMs)
        .addAllCommands(List.of(commands))
        .build();
  }

  static CommandResult putVersion(long version) {
    return CommandResult.newBuilder().setPutVersion(version).build();
  }

  /** The result of a delete applied at {@code index}. */
  static CommandResult deleted(boolean existed, long index) {
    return CommandResult.newBuilder()
        .setDeleted(DeleteOutcome.newBuilder().setExisted(existed).setIndex(index))
        .build();
  }

  static CommandResult mismatch(long currentVersion, boolean exists) {
    return CommandResult.newBuilder()
        .setMismatch(
            VersionMismatch.newBuilder().setCurrentVersion(currentVersion).setExists(exists))
        .build();
  }

  static CommandResult staleDuplicate() {
    return CommandResult.newBuilder().setStaleDuplicate(true).build();
  }

  static byte[] snapshotOf(ShardCore core) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      core.writeSnapshot(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}

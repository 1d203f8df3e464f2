package io.cairn.statemachine;

import io.cairn.proto.internal.Command;
import io.cairn.proto.internal.CommandBatch;
import io.cairn.statemachine.InvalidRequestException.Reason;
import java.util.function.ToIntFunction;

/**
 * What a shard's leader checks in every entry proposed to its log, whoever proposed it: its own
 * write batcher, or anything else that reached the Raft port. The API checks each request before it
 * is batched; this is the same rule again at the door of the log, so that an entry the API would
 * refuse (an empty or oversized key, a value over the limit, a key of another shard, a command with
 * no operation) never becomes state on any replica.
 *
 * <p>Only rules the API enforces on the same node belong here: the leader's write batcher proposes
 * only requests its own API accepted, so a batch that fails this check did not come from Cairn's
 * write path, and refusing it whole costs no legitimate client anything. Pure.
 */
public final class ProposalCheck {
  private ProposalCheck() {}

  /**
   * @param shardId the shard whose log the entry is for
   * @param shardOfKey the shard every key belongs to (the shard map's key ring); null when the
   *     shard checks ownership itself as it applies (a shard a split has touched): a batch routed
   *     by one map and proposed under the next, which moved one of its keys, must not fail whole
   * @throws InvalidRequestException naming the first command that breaks a rule
   */
  public static void check(
      CommandBatch batch, int shardId, RequestLimits limits, ToIntFunction<byte[]> shardOfKey) {
    if (batch.hasSplitStep() && (batch.getCommandsCount() > 0 || batch.getDigestMarker())) {
      // A split step is an entry of its own (the peer port's ApplySplitStep proposes it); the
      // shard core checks the step itself.
      throw new InvalidRequestException(
          Reason.MALFORMED, "a split step carries no commands and is no digest marker");
    }
    if (batch.getDigestMarker() && batch.getCommandsCount() > 0) {
      throw new InvalidRequestException(
          Reason.MALFORMED,
          "a digest marker carries no commands; this one has " + batch.getCommandsCount());
    }
    for (int i = 0; i < batch.getCommandsCount(); i++) {
      Command c = batch.getCommands(i);
      byte[] key;
      String op;
      switch (c.getOpCase()) {
        case PUT -> {
          op = "command " + i + " (put)";
          key = c.getPut().getKey().toByteArray();
          limits.checkKey(op, key);
          limits.checkValueLength(op, c.getPut().getValue().size());
        }
        case DELETE -> {
          op = "command " + i + " (delete)";
          key = c.getDelete().getKey().toByteArray();
          limits.checkKey(op, key);
        }
        default ->
            throw new InvalidRequestException(
                Reason.MALFORMED, "command " + i + " names no operation (put or delete)");
      }
      if (shardOfKey == null) {
        continue;
      }
      int owner = shardOfKey.applyAsInt(key);
      if (owner != shardId) {
        throw new InvalidRequestException(
            Reason.MALFORMED,
            op + ": the key belongs to shard " + owner + ", not to shard " + shardId);
      }
    }
  }
}

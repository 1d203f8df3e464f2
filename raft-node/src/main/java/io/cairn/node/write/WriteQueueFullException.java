package io.cairn.node.write;

/**
 * A shard leader refused a write because the writes waiting for a log entry already reach {@code
 * batch.queue-commands-max} or {@code batch.queue-bytes-max}. Nothing was proposed, so nothing
 * changed; the client backs off and retries.
 */
public final class WriteQueueFullException extends RuntimeException {
  public WriteQueueFullException(
      int shardId, int queuedCommands, long queuedBytes, int commandsMax, long bytesMax) {
    super(
        "shard "
            + shardId
            + ": "
            + queuedCommands
            + " commands ("
            + queuedBytes
            + " bytes) are already waiting for "
            + "a log entry on its leader, the most it queues (batch.queue-commands-max "
            + commandsMax
            + ", batch.queue-bytes-max "
            + bytesMax
            + ")");
  }
}

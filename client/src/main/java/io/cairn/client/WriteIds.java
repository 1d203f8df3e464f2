package io.cairn.client;

import com.google.protobuf.ByteString;
import io.cairn.proto.WriteId;
import java.util.TreeSet;

/**
 * Hands out this client's {@link WriteId}s: one 16-byte client id for the client's life, a sequence
 * growing by one per write, and {@code acked_below}, the lowest sequence whose answer the client
 * has not received yet (the server may forget stored results below it). A write keeps its WriteId
 * across all its attempts; that is what lets the shard apply a retried write only once.
 * Thread-safe.
 */
final class WriteIds {
  private final ByteString clientId;
  // Guarded by this: allocation and registration must be one step, or a concurrent write could
  // compute an acked_below above a sequence that was allocated but not yet registered.
  private long lastSequence;
  private final TreeSet<Long> unanswered = new TreeSet<>();

  WriteIds(byte[] clientId) {
    if (clientId.length != 16) {
      throw new IllegalArgumentException("a client id has 16 bytes, got " + clientId.length);
    }
    this.clientId = ByteString.copyFrom(clientId);
  }

  ByteString clientId() {
    return clientId;
  }

  /** A fresh WriteId for a new write; pair it with {@link #answered(WriteId)}. */
  synchronized WriteId begin() {
    long sequence = ++lastSequence;
    unanswered.add(sequence);
    return WriteId.newBuilder()
        .setClientId(clientId)
        .setSequence(sequence)
        .setAckedBelow(unanswered.first())
        .build();
  }

  /** The write is over (answered, rejected or given up on): the client will not send it again. */
  synchronized void answered(WriteId id) {
    unanswered.remove(id.getSequence());
  }

  /** The acked_below a write started now would carry. */
  synchronized long ackedBelow() {
    return unanswered.isEmpty() ? lastSequence + 1 : unanswered.first();
  }
}

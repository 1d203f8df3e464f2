package io.cairn.node.write;

import com.google.protobuf.ByteString;
import io.cairn.proto.WriteId;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.TreeSet;

/**
 * Write ids for the writes that arrive without one, so that this node's own retries of them apply
 * at most once.
 *
 * <p>Why: a node tries a write again when its first attempt failed only for want of a serving
 * leader ({@code BetweenLeaders}), and such a failure does not prove the attempt was not applied: a
 * leader that exits after replicating the entry, or a connection lost after the leader took the
 * forwarded write, leaves the entry to be committed by the next leader. A write with a client's
 * write id is then answered from the shard's exactly-once table; one without used to be applied a
 * second time, so a single request could change a key twice, or a compare-and-set could succeed and
 * then be answered VERSION_MISMATCH by its own retry (the chaos suite's seed 14 caught one,
 * docs/correctness.md). Here every such write gets a sequence of a session that belongs to this
 * node process, and the exactly-once table treats it like any client's.
 *
 * <p>The session's acked_below is the lowest sequence still in flight, so the shards forget the
 * results of writes this node has finished with. It is computed under the same lock that registers
 * the sequence: a write must never carry an acked_below above a sequence that was handed out
 * earlier and is still to be applied, or that one would be refused as a stale duplicate.
 *
 * <p>A client that sends the same write twice without a write id still gets two writes: only it
 * knows that they are one.
 */
public final class NodeWriteIds {
  private static final int RANDOM_BYTES = 12;

  private final ByteString clientId;
  private long next = 1; // guarded by this
  private final TreeSet<Long> inFlight = new TreeSet<>(); // guarded by this

  NodeWriteIds(ByteString clientId) {
    if (clientId.isEmpty()) {
      throw new IllegalArgumentException("a node's write session needs a non-empty client id");
    }
    this.clientId = clientId;
  }

  /**
   * A session of its own for this node process: {@code node/<id>/} and random bytes, so it differs
   * from every client's (16 random bytes) and from this node's sessions before a restart (whose
   * sequences started at 1 too).
   */
  public static NodeWriteIds forNode(String nodeId) {
    byte[] random = new byte[RANDOM_BYTES];
    new SecureRandom().nextBytes(random);
    return new NodeWriteIds(
        ByteString.copyFrom("node/" + nodeId + "/", StandardCharsets.UTF_8)
            .concat(ByteString.copyFrom(random)));
  }

  /** The id to give a write that came without one; {@link #release} it once it is answered. */
  public synchronized WriteId assign() {
    long sequence = next++;
    inFlight.add(sequence);
    return WriteId.newBuilder()
        .setClientId(clientId)
        .setSequence(sequence)
        .setAckedBelow(inFlight.first())
        .build();
  }

  /** The write with {@code id} has its answer (any answer): its result need not be kept. */
  public synchronized void release(WriteId id) {
    if (id.getClientId().equals(clientId)) {
      inFlight.remove(id.getSequence());
    }
  }

  /** Whether {@code id} is one of this node's, not a client's. */
  public boolean isOurs(WriteId id) {
    return id.getClientId().equals(clientId);
  }

  synchronized long oldestInFlight() {
    return inFlight.isEmpty() ? Long.MAX_VALUE : inFlight.first();
  }

  synchronized int inFlightCount() {
    return inFlight.size();
  }
}

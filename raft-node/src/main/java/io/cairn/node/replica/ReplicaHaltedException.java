package io.cairn.node.replica;

/**
 * Thrown from a state machine's apply to make Ratis close the replica (its apply loop closes a
 * replica on a thrown exception, but steps past an entry whose future merely failed).
 */
public final class ReplicaHaltedException extends RuntimeException {
  public ReplicaHaltedException(String message, Throwable cause) {
    super(message, cause);
  }
}

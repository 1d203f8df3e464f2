package io.cairn.node.replica;

/**
 * A local replica cannot answer right now, e.g. between a snapshot install and its reload.
 * Retryable: it will be ready shortly, and other replicas may answer meanwhile.
 */
public final class ReplicaNotReadyException extends RuntimeException {
  public ReplicaNotReadyException(String message) {
    super(message);
  }
}

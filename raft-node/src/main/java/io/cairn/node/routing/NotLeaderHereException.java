package io.cairn.node.routing;

/**
 * This node cannot serve a request that only a shard's leader may serve, and it must not (or
 * cannot) forward it: it was forwarded here already, or no leader is known. Retryable: the client
 * tries again, usually at the leader named in the error's hint.
 */
public final class NotLeaderHereException extends RuntimeException {
  public NotLeaderHereException(String message) {
    super(message);
  }
}

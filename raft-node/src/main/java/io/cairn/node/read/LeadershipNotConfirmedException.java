package io.cairn.node.read;

/**
 * A leader could not prove it still leads (no majority confirmed its term in time, or it lost the
 * term meanwhile), so it must not answer a LINEARIZABLE read. Retryable: the client tries again,
 * usually at the new leader.
 */
public final class LeadershipNotConfirmedException extends RuntimeException {
  public LeadershipNotConfirmedException(String message) {
    super(message);
  }
}

package io.cairn.tests.jepsen;

/**
 * {@code cairnctl verify} found replicas of a shard holding different states at the same log index:
 * a safety violation, like an invalid history (the run fails with exit status 1).
 */
public final class ReplicaDivergence extends LivenessViolation {

  public ReplicaDivergence(String message) {
    super(message);
  }
}

package io.cairn.tests.jepsen;

/**
 * The cluster did not do what it must within a bounded time, though the harness did its part: a
 * node still refusing to forward writes after the faults healed, a node that kept running on a full
 * disk. A finding about Cairn, like a consistency violation (the run fails with exit status 1), not
 * a broken harness.
 */
public class LivenessViolation extends RuntimeException {

  public LivenessViolation(String message) {
    super(message);
  }
}

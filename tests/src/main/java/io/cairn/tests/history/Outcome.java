package io.cairn.tests.history;

/** How an operation ended, from the client's point of view. */
public enum Outcome {
  /** Applied, with a result. */
  OK,
  /** Definitely not applied (version mismatch, invalid argument). */
  FAIL,
  /**
   * Unknown (timeout, lost connection): it may have taken effect at any time after its invocation,
   * or never.
   */
  INFO
}

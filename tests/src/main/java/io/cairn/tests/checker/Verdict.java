package io.cairn.tests.checker;

/** A checker's judgement of a history. */
public enum Verdict {
  /** The history satisfies the property. */
  VALID,
  /** The search was cut off by its limits: neither a proof nor a violation. */
  UNKNOWN,
  /** The history breaks the property; the explanation shows where. */
  INVALID;

  /** The worse of two verdicts: INVALID over UNKNOWN over VALID. */
  public Verdict and(Verdict other) {
    return compareTo(other) >= 0 ? this : other;
  }
}

package io.cairn.tests.history;

/** What a client asked the store to do; the arguments live in {@link Op}. */
public enum OpKind {
  /** Unconditional put. */
  PUT,
  /**
   * Compare-and-set put: applies only if the key's version equals the expected one (0 = absent).
   */
  PUT_CAS,
  GET,
  /** Unconditional delete. */
  DELETE,
  /** Compare-and-set delete: applies only if the key's version equals the expected one. */
  DELETE_CAS;

  public boolean isWrite() {
    return this != GET;
  }

  public boolean isPut() {
    return this == PUT || this == PUT_CAS;
  }

  public boolean isDelete() {
    return this == DELETE || this == DELETE_CAS;
  }

  public boolean isCompareAndSet() {
    return this == PUT_CAS || this == DELETE_CAS;
  }
}

package io.cairn.statemachine;

/**
 * A client request that breaks a rule checked before it reaches the Raft log (see {@link
 * RequestLimits}). The message names the operation, the rule and, where one applies, the config key
 * that sets the limit; the gRPC layer maps the {@link Reason} to a status.
 */
public final class InvalidRequestException extends RuntimeException {

  /** What is wrong with the request. */
  public enum Reason {
    /** The key is empty or longer than the key limit. */
    KEY_INVALID,
    /** The value is longer than the value limit. */
    VALUE_TOO_LARGE,
    /** A required part of the request is missing or cannot be decoded. */
    MALFORMED
  }

  private final Reason reason;

  public InvalidRequestException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}

package io.cairn.statemachine;

import io.cairn.statemachine.InvalidRequestException.Reason;

/**
 * Size limits on keys and values, checked on the node that receives a request, before the request
 * is proposed to the Raft log.
 *
 * <p>They are never checked in apply: limits are per-node config and may differ between replicas
 * during a rolling change, and apply must compute the same result on every replica.
 *
 * @param keyBytesMax longest key in bytes ({@code limits.key-bytes-max}); keys are never empty
 * @param valueBytesMax longest value in bytes ({@code limits.value-bytes-max}); values may be empty
 */
public record RequestLimits(int keyBytesMax, int valueBytesMax) {
  public static final String KEY_BYTES_MAX_CONFIG = "limits.key-bytes-max";
  public static final String VALUE_BYTES_MAX_CONFIG = "limits.value-bytes-max";
  public static final RequestLimits DEFAULT = new RequestLimits(4096, 1 << 20);

  public RequestLimits {
    if (keyBytesMax < 1) {
      throw new IllegalArgumentException(
          KEY_BYTES_MAX_CONFIG + " is " + keyBytesMax + "; it must be at least 1");
    }
    if (valueBytesMax < 0) {
      throw new IllegalArgumentException(
          VALUE_BYTES_MAX_CONFIG + " is " + valueBytesMax + "; it must be at least 0");
    }
  }

  /**
   * Checks that {@code key} is present and 1 to {@link #keyBytesMax} bytes long.
   *
   * @param op the operation the key belongs to ("get", "put", ...), named in the message
   * @throws InvalidRequestException MALFORMED if the key is null, KEY_INVALID if its length is out
   *     of range
   */
  public void checkKey(String op, byte[] key) {
    if (key == null) {
      throw new InvalidRequestException(Reason.MALFORMED, op + ": key is missing");
    }
    if (key.length == 0) {
      throw new InvalidRequestException(
          Reason.KEY_INVALID, op + ": key is empty; keys are 1 to " + keyBytesMax + " bytes");
    }
    if (key.length > keyBytesMax) {
      throw new InvalidRequestException(
          Reason.KEY_INVALID,
          op
              + ": key is "
              + key.length
              + " bytes; the limit is "
              + keyBytesMax
              + " ("
              + KEY_BYTES_MAX_CONFIG
              + ")");
    }
  }

  /**
   * Checks that {@code value} is present and at most {@link #valueBytesMax} bytes long.
   *
   * @throws InvalidRequestException MALFORMED if the value is null, VALUE_TOO_LARGE if it is too
   *     long
   */
  public void checkValue(String op, byte[] value) {
    if (value == null) {
      throw new InvalidRequestException(Reason.MALFORMED, op + ": value is missing");
    }
    checkValueLength(op, value.length);
  }

  /** Checks that a value of {@code length} bytes is within the limit, without copying it. */
  public void checkValueLength(String op, int length) {
    if (length > valueBytesMax) {
      throw new InvalidRequestException(
          Reason.VALUE_TOO_LARGE,
          op
              + ": value is "
              + length
              + " bytes; the limit is "
              + valueBytesMax
              + " ("
              + VALUE_BYTES_MAX_CONFIG
              + ")");
    }
  }
}

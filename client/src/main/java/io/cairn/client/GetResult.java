package io.cairn.client;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The answer to a get: when {@code found}, the value and its version; otherwise an empty value and
 * version 0. Equality compares the value's bytes.
 */
public record GetResult(boolean found, byte[] value, long version) {
  public GetResult {
    value = value == null ? new byte[0] : value;
  }

  static GetResult missing() {
    return new GetResult(false, new byte[0], 0);
  }

  /** The value decoded as UTF-8. */
  public String valueUtf8() {
    return new String(value, StandardCharsets.UTF_8);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GetResult g
        && found == g.found
        && version == g.version
        && Arrays.equals(value, g.value);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Boolean.hashCode(found) + Arrays.hashCode(value)) + Long.hashCode(version);
  }

  @Override
  public String toString() {
    return found
        ? "GetResult[found, " + value.length + " bytes, version=" + version + "]"
        : "GetResult[not found]";
  }
}

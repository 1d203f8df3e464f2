package io.cairn.statemachine;

import java.io.IOException;

/**
 * A snapshot that cannot be restored: truncated, failing its checksum, of an unknown format
 * version, or breaking a rule of the format. The message says which and where.
 */
public final class SnapshotCorruptException extends IOException {
  public SnapshotCorruptException(String message) {
    super(message);
  }

  public SnapshotCorruptException(String message, Throwable cause) {
    super(message, cause);
  }
}

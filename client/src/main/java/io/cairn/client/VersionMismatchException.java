package io.cairn.client;

import io.cairn.proto.ErrorDetail;
import io.grpc.Status;

/**
 * A compare-and-set (put or delete with an expected version) found another version. The write was
 * not applied; {@link #currentVersion()} and {@link #exists()} say what the key holds now, so the
 * caller can re-read and decide. Never retried by the client.
 */
public final class VersionMismatchException extends CairnException {
  private final long currentVersion;
  private final boolean exists;

  VersionMismatchException(String message, ErrorDetail detail, Throwable cause) {
    super(Status.Code.FAILED_PRECONDITION, message, detail, cause);
    this.currentVersion = detail.getCurrentVersion();
    this.exists = detail.getExists();
  }

  /** The key's version when the write was rejected; 0 when the key does not exist. */
  public long currentVersion() {
    return currentVersion;
  }

  /** Whether the key existed when the write was rejected. */
  public boolean exists() {
    return exists;
  }
}

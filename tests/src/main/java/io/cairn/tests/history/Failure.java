package io.cairn.tests.history;

import java.util.Objects;

/** Why a FAIL operation was definitely not applied. */
public sealed interface Failure {

  /**
   * A compare-and-set found another version. This is also an observation: at some point during the
   * operation the key's version was {@code currentVersion} (0 and not {@code exists} when the key
   * was absent).
   */
  record VersionMismatch(long currentVersion, boolean exists) implements Failure {
    public VersionMismatch {
      if (exists ? currentVersion <= 0 : currentVersion != 0) {
        throw new IllegalArgumentException(
            "version mismatch: an existing key has a version > 0, an absent one 0; got "
                + currentVersion
                + " exists="
                + exists);
      }
    }

    @Override
    public String toString() {
      return exists ? "VERSION_MISMATCH current=" + currentVersion : "VERSION_MISMATCH absent";
    }
  }

  /** Refused without effect for another reason (invalid key, value too large, ...). */
  record Rejected(String reason) implements Failure {
    public Rejected {
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String toString() {
      return "REJECTED " + reason;
    }
  }

  static Failure versionMismatch(long currentVersion, boolean exists) {
    return new VersionMismatch(currentVersion, exists);
  }

  static Failure rejected(String reason) {
    return new Rejected(reason);
  }
}

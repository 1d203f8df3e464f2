package io.cairn.tests.history;

import java.util.Objects;

/** What an OK operation returned; the variant matches the operation's kind. */
public sealed interface OpResult {

  /** Whether this result can be the answer to an operation of the given kind. */
  boolean answers(OpKind kind);

  /** A put's answer: the key's new version, the Raft log index of the write. */
  record PutResult(long version) implements OpResult {
    public PutResult {
      if (version <= 0) {
        throw new IllegalArgumentException("a put's version is a log index, > 0; got " + version);
      }
    }

    @Override
    public boolean answers(OpKind kind) {
      return kind.isPut();
    }

    @Override
    public String toString() {
      return "version=" + version;
    }
  }

  /** A get's answer: found with (value, version), or not found. */
  record GetResult(boolean found, String value, long version) implements OpResult {
    public GetResult {
      if (found) {
        Objects.requireNonNull(value, "a found value");
        if (version <= 0) {
          throw new IllegalArgumentException(
              "a found value's version is a log index, > 0; got " + version);
        }
      } else if (value != null || version != 0) {
        throw new IllegalArgumentException("not found carries no value and version 0");
      }
    }

    @Override
    public boolean answers(OpKind kind) {
      return kind == OpKind.GET;
    }

    @Override
    public String toString() {
      return found ? "found " + value + " version=" + version : "not found";
    }
  }

  /** A delete's answer: whether the key existed before, and the delete's log index. */
  record DeleteResult(boolean existed, long index) implements OpResult {
    public DeleteResult {
      if (index <= 0) {
        throw new IllegalArgumentException("a delete's index is a log index, > 0; got " + index);
      }
    }

    @Override
    public boolean answers(OpKind kind) {
      return kind.isDelete();
    }

    @Override
    public String toString() {
      return "existed=" + existed + " index=" + index;
    }
  }

  static OpResult put(long version) {
    return new PutResult(version);
  }

  static OpResult found(String value, long version) {
    return new GetResult(true, value, version);
  }

  static OpResult notFound() {
    return new GetResult(false, null, 0);
  }

  static OpResult deleted(boolean existed, long index) {
    return new DeleteResult(existed, index);
  }
}

package io.cairn.statemachine;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.cairn.proto.internal.SnapshotEntry;
import io.cairn.proto.internal.SnapshotHeader;
import io.cairn.proto.internal.SnapshotSession;
import io.cairn.proto.internal.SnapshotTrailer;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * Writes and reads a data shard's snapshot in the format of replicated.proto.
 *
 * <p>Layout, every record written with {@code writeDelimitedTo} (a varint length, then the
 * message): one {@code SnapshotHeader} (format_version 1, applied_index, key_count, session_count;
 * format_version 2, written only for a shard a split has touched, adds its {@link ShardScope});
 * key_count {@code SnapshotEntry} in ascending unsigned key order; session_count {@code
 * SnapshotSession} in ascending unsigned client-id order; one {@code SnapshotTrailer} whose crc32c
 * is the CRC32C of every byte before the trailer. The stream ends right after the trailer.
 *
 * <p>Each record must have every byte its length promises (a protobuf parser alone accepts a record
 * cut short at a field boundary), and the trailer, which the checksum cannot cover, must be in its
 * canonical encoding.
 *
 * <p>Reading checks the structure as it goes (counts, order, versions not above the applied index
 * plus the version base) and the checksum at the end, and reports any failure as a {@link
 * SnapshotCorruptException}. Entries are put into the store while reading, so on failure the store
 * holds a partial state that the caller must throw away.
 */
final class ShardSnapshotFormat {
  /** The format of a shard no split has touched; its bytes are the same as before splits. */
  static final int FORMAT_VERSION = 1;

  /** The format with the shard's scope in the header. */
  static final int FORMAT_VERSION_SCOPED = 2;

  private static final int BUFFER_BYTES = 1 << 16;

  private ShardSnapshotFormat() {}

  /** What a snapshot holds besides the store's entries. */
  record Restored(long appliedIndex, ClientSessions sessions, ShardScope scope) {}

  /** Writes the snapshot of a store its writer leaves alone meanwhile, and flushes {@code out}. */
  static void write(
      OutputStream out, long appliedIndex, ShardScope scope, KvStore store, ClientSessions sessions)
      throws IOException {
    write(out, appliedIndex, scope, store.keyCount(), store::forEachInKeyOrder, sessions.records());
  }

  /**
   * Writes the snapshot and flushes {@code out}; does not close it.
   *
   * @param keyCount the number of entries {@code entries} visits
   * @param entries visits every entry in ascending unsigned key order
   * @param sessions the session records in ascending client-id order
   */
  static void write(
      OutputStream out,
      long appliedIndex,
      ShardScope scope,
      long keyCount,
      Consumer<EntryVisitor> entries,
      List<SnapshotSession> sessions)
      throws IOException {
    CRC32C crc = new CRC32C();
    BufferedOutputStream buffered = new BufferedOutputStream(out, BUFFER_BYTES);
    CheckedOutputStream checked = new CheckedOutputStream(buffered, crc);

    SnapshotHeader.Builder header =
        SnapshotHeader.newBuilder()
            .setFormatVersion(FORMAT_VERSION)
            .setAppliedIndex(appliedIndex)
            .setKeyCount(keyCount)
            .setSessionCount(sessions.size());
    if (!scope.isEveryKey()) {
      header
          .setFormatVersion(FORMAT_VERSION_SCOPED)
          .setFilling(scope.filling())
          .setVersionBase(scope.versionBase())
          .setFenceIndex(scope.fenceIndex());
      if (scope.ownership() != null) {
        header.setOwnership(scope.ownership());
      }
      if (scope.previous() != null) {
        header.setPreviousOwnership(scope.previous());
      }
    }
    header.build().writeDelimitedTo(checked);

    long[] entriesWritten = {0};
    try {
      entries.accept(
          (key, value, version) -> {
            writeRecord(
                checked,
                SnapshotEntry.newBuilder()
                    .setKey(ByteString.copyFrom(key))
                    .setValue(ByteString.copyFrom(value))
                    .setVersion(version)
                    .build());
            entriesWritten[0]++;
          });
      sessions.forEach(session -> writeRecord(checked, session));
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    if (entriesWritten[0] != keyCount) {
      // A store changed under a walk that was not frozen, or a frozen view that missed a change:
      // the header would be wrong, so refuse rather than write a snapshot that restores wrong.
      throw new IllegalStateException(
          "the snapshot should hold "
              + keyCount
              + " keys but "
              + entriesWritten[0]
              + " were visited; the store changed under the walk");
    }

    // The CRC covers the bytes up to here; the trailer itself goes past the checksum.
    SnapshotTrailer.newBuilder().setCrc32C((int) crc.getValue()).build().writeDelimitedTo(buffered);
    buffered.flush();
  }

  /**
   * Reads a snapshot, putting its entries into {@code store}.
   *
   * @throws SnapshotCorruptException if the stream is truncated, fails its checksum, has an unknown
   *     format version or breaks a rule of the format
   */
  static Restored read(InputStream in, KvStore store) throws IOException {
    CRC32C crc = new CRC32C();
    InputStream buffered = new BufferedInputStream(in, BUFFER_BYTES);
    CheckedInputStream checked = new CheckedInputStream(buffered, crc);

    SnapshotHeader header = readRecord(checked, SnapshotHeader.parser(), "the header");
    ShardScope scope = scopeOf(header);
    long appliedIndex = header.getAppliedIndex();
    // Versions are log indexes plus the base; both are far below 2^63, so the sum cannot wrap.
    long versionMax = appliedIndex + scope.versionBase();
    long keyCount = header.getKeyCount();
    long sessionCount = header.getSessionCount();

    byte[] previousKey = null;
    for (long i = 1; i <= keyCount; i++) {
      String what = "entry " + i + " of " + Long.toUnsignedString(keyCount);
      SnapshotEntry e = readRecord(checked, SnapshotEntry.parser(), what);
      byte[] key = e.getKey().toByteArray();
      if (previousKey != null && Arrays.compareUnsigned(previousKey, key) >= 0) {
        throw new SnapshotCorruptException(
            "snapshot " + what + ": keys are not in ascending order");
      }
      if (e.getVersion() < 1 || Long.compareUnsigned(e.getVersion(), versionMax) > 0) {
        throw new SnapshotCorruptException(
            "snapshot "
                + what
                + ": version "
                + Long.toUnsignedString(e.getVersion())
                + " is outside 1.."
                + Long.toUnsignedString(versionMax)
                + " (the applied index plus the version base)");
      }
      store.put(key, e.getValue().toByteArray(), e.getVersion());
      previousKey = key;
    }

    ClientSessions sessions = new ClientSessions();
    for (long i = 1; i <= sessionCount; i++) {
      String what = "session " + i + " of " + Long.toUnsignedString(sessionCount);
      SnapshotSession s = readRecord(checked, SnapshotSession.parser(), what);
      try {
        sessions.restore(s);
      } catch (IllegalArgumentException ex) {
        throw new SnapshotCorruptException("snapshot " + what + ": " + ex.getMessage(), ex);
      }
    }

    int computed = (int) crc.getValue();
    byte[] trailerBytes = readRecordBytes(buffered, "the trailer");
    SnapshotTrailer trailer = parse(trailerBytes, SnapshotTrailer.parser(), "the trailer");
    if (!Arrays.equals(trailer.toByteArray(), trailerBytes)) {
      // The trailer is outside the checksum, so insist on the one encoding the writer produces
      // (a uint32 varint has spare bits a flip could hide in).
      throw new SnapshotCorruptException("snapshot trailer is not in its canonical encoding");
    }
    if (trailer.getCrc32C() != computed) {
      throw new SnapshotCorruptException(
          String.format(
              "snapshot checksum mismatch: the trailer says CRC32C %08x, the content has %08x",
              trailer.getCrc32C(), computed));
    }
    if (buffered.read() != -1) {
      throw new SnapshotCorruptException("snapshot has bytes after its trailer");
    }
    return new Restored(appliedIndex, sessions, scope);
  }

  /** The scope a header describes, checked: format 1 has none, format 2 a valid one. */
  private static ShardScope scopeOf(SnapshotHeader header) throws SnapshotCorruptException {
    int format = header.getFormatVersion();
    if (format == FORMAT_VERSION) {
      if (header.hasOwnership()
          || header.getFilling()
          || header.getVersionBase() != 0
          || header.getFenceIndex() != 0
          || header.hasPreviousOwnership()) {
        throw new SnapshotCorruptException(
            "snapshot has format_version 1 but a split's fields; a format 1 snapshot has none");
      }
      return ShardScope.EVERY_KEY;
    }
    if (format != FORMAT_VERSION_SCOPED) {
      throw new SnapshotCorruptException(
          "snapshot has format_version "
              + format
              + "; this build reads "
              + FORMAT_VERSION
              + " and "
              + FORMAT_VERSION_SCOPED);
    }
    if (Long.compareUnsigned(header.getVersionBase(), ShardScope.VERSION_MAX) > 0
        || Long.compareUnsigned(header.getAppliedIndex(), ShardScope.VERSION_MAX) > 0) {
      throw new SnapshotCorruptException(
          "snapshot's applied index or version base is above " + ShardScope.VERSION_MAX);
    }
    try {
      return ShardScope.of(
          header.hasOwnership() ? header.getOwnership() : null,
          header.getFilling(),
          header.getVersionBase(),
          header.getFenceIndex(),
          header.hasPreviousOwnership() ? header.getPreviousOwnership() : null);
    } catch (IllegalArgumentException e) {
      throw new SnapshotCorruptException("snapshot header: " + e.getMessage(), e);
    }
  }

  private static void writeRecord(OutputStream out, MessageLite record) {
    try {
      record.writeDelimitedTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads one length-delimited record. Unlike {@code parseDelimitedFrom}, it insists on getting
   * every byte the length promises: a protobuf parser that meets the end of the stream between two
   * fields would otherwise accept a record cut short.
   */
  private static <T> T readRecord(InputStream in, Parser<T> parser, String what)
      throws IOException {
    return parse(readRecordBytes(in, what), parser, what);
  }

  private static byte[] readRecordBytes(InputStream in, String what) throws IOException {
    try {
      int first = in.read();
      if (first == -1) {
        throw new SnapshotCorruptException(
            "snapshot is truncated: the stream ended before " + what);
      }
      int length = CodedInputStream.readRawVarint32(first, in);
      if (length < 0) {
        throw new SnapshotCorruptException(
            "snapshot is corrupt: " + what + " has length " + Integer.toUnsignedString(length));
      }
      byte[] record = in.readNBytes(length); // grows with the data read, not with `length`
      if (record.length < length) {
        throw new SnapshotCorruptException(
            "snapshot is truncated: "
                + what
                + " has "
                + record.length
                + " of its "
                + length
                + " bytes");
      }
      return record;
    } catch (InvalidProtocolBufferException e) {
      throw asCorruption(e, what);
    }
  }

  private static <T> T parse(byte[] record, Parser<T> parser, String what) throws IOException {
    try {
      return parser.parseFrom(record);
    } catch (InvalidProtocolBufferException e) {
      throw asCorruption(e, what);
    }
  }

  private static IOException asCorruption(InvalidProtocolBufferException e, String what) {
    IOException inner = e.unwrapIOException();
    if (!(inner instanceof InvalidProtocolBufferException)) {
      return inner; // the stream failed: an I/O error, not a bad snapshot
    }
    return new SnapshotCorruptException(
        "snapshot is truncated or corrupt: cannot read " + what + ": " + e.getMessage(), e);
  }
}

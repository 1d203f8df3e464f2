package io.cairn.statemachine;

import com.google.protobuf.InvalidProtocolBufferException;
import io.cairn.proto.ShardMap;
import io.cairn.proto.internal.MetaCommand;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The deterministic state of the meta Raft group: the cluster's current {@link ShardMap}, or none
 * before bootstrap.
 *
 * <p>Transitions: {@code init_if_absent} installs its map only when the group holds none (so every
 * node may propose its own initial map at start-up and the first one wins); {@code replace}
 * installs its map only when a map is held and the new epoch is exactly the current epoch + 1 (so
 * two concurrent changes computed from the same map cannot both win). Any other command leaves the
 * state unchanged; neither is an error.
 *
 * <p>Snapshot format (big-endian, as {@link DataOutputStream} writes it):
 *
 * <pre>
 *   int32  magic 0x43414D53 ("CAMS": Cairn meta snapshot)
 *   int32  format_version = 1
 *   int64  applied_index
 *   int8   has_map (0 or 1)
 *   [ShardMap, writeDelimitedTo]   only if has_map = 1
 *   int32  CRC32C of every byte above
 * </pre>
 *
 * and nothing after it.
 *
 * <p>Threads: {@link #apply}, {@link #advanceAppliedIndex} and {@link #writeSnapshot} run on the
 * meta group's apply thread; {@link #current} and {@link #appliedIndex} on any thread.
 */
public final class MetaCore {
  static final int MAGIC = 0x43414D53;
  static final int FORMAT_VERSION = 1;

  private volatile ShardMap current; // null until the first map is installed
  private volatile long appliedIndex;

  public MetaCore() {}

  private MetaCore(ShardMap current, long appliedIndex) {
    this.current = current;
    this.appliedIndex = appliedIndex;
  }

  /**
   * Applies one meta log entry.
   *
   * @param index the entry's log index; at least 1 and above {@link #appliedIndex()}
   * @return the map after the command, changed or not; the default (empty, epoch 0) instance while
   *     the group holds none
   * @throws IllegalArgumentException if {@code index} does not move the group forward
   */
  public ShardMap apply(MetaCommand cmd, long index) {
    if (index < 1 || index <= appliedIndex) {
      throw new IllegalArgumentException(
          "apply: entry index "
              + index
              + " must be at least 1 and above the applied index "
              + appliedIndex);
    }
    ShardMap held = current;
    switch (cmd.getOpCase()) {
      case INIT_IF_ABSENT -> {
        if (held == null) {
          current = cmd.getInitIfAbsent();
        }
      }
      case REPLACE -> {
        ShardMap next = cmd.getReplace();
        if (held != null && next.getEpoch() == held.getEpoch() + 1) {
          current = next;
        }
      }
      case OP_NOT_SET -> {} // nothing to do
    }
    appliedIndex = index;
    return current().orElse(ShardMap.getDefaultInstance());
  }

  public Optional<ShardMap> current() {
    return Optional.ofNullable(current);
  }

  public long appliedIndex() {
    return appliedIndex;
  }

  /** Records an entry with no meta command (configuration, no-op); never moves back. */
  public void advanceAppliedIndex(long index) {
    if (index > appliedIndex) {
      appliedIndex = index;
    }
  }

  /** Writes the snapshot described in the class doc and flushes {@code out} (not closing it). */
  public void writeSnapshot(OutputStream out) throws IOException {
    CRC32C crc = new CRC32C();
    BufferedOutputStream buffered = new BufferedOutputStream(out);
    DataOutputStream data = new DataOutputStream(new CheckedOutputStream(buffered, crc));
    ShardMap map = current;
    data.writeInt(MAGIC);
    data.writeInt(FORMAT_VERSION);
    data.writeLong(appliedIndex);
    data.writeByte(map == null ? 0 : 1);
    if (map != null) {
      map.writeDelimitedTo(data);
    }
    data.flush();
    new DataOutputStream(buffered).writeInt((int) crc.getValue());
    buffered.flush();
  }

  /**
   * Reads a snapshot written by {@link #writeSnapshot}.
   *
   * @throws SnapshotCorruptException if it is truncated, fails its CRC32C, has a wrong magic number
   *     or format version, or has bytes after the checksum
   */
  public static MetaCore restore(InputStream in) throws IOException {
    CRC32C crc = new CRC32C();
    DataInputStream raw = new DataInputStream(in);
    DataInputStream data = new DataInputStream(new CheckedInputStream(in, crc));
    try {
      int magic = data.readInt();
      if (magic != MAGIC) {
        throw new SnapshotCorruptException(
            String.format("not a meta snapshot: magic number %08x, expected %08x", magic, MAGIC));
      }
      int version = data.readInt();
      if (version != FORMAT_VERSION) {
        throw new SnapshotCorruptException(
            "meta snapshot has format_version "
                + version
                + "; this build reads only "
                + FORMAT_VERSION);
      }
      long appliedIndex = data.readLong();
      int hasMap = data.readUnsignedByte();
      if (hasMap > 1) {
        throw new SnapshotCorruptException("meta snapshot: has_map is " + hasMap + ", not 0 or 1");
      }
      ShardMap map = null;
      if (hasMap == 1) {
        map = ShardMap.parseDelimitedFrom(data);
        if (map == null) {
          throw new EOFException();
        }
      }
      int computed = (int) crc.getValue();
      int stored = raw.readInt();
      if (stored != computed) {
        throw new SnapshotCorruptException(
            String.format(
                "meta snapshot checksum mismatch: stored CRC32C %08x, the content has %08x",
                stored, computed));
      }
      if (raw.read() != -1) {
        throw new SnapshotCorruptException("meta snapshot has bytes after its checksum");
      }
      return new MetaCore(map, appliedIndex);
    } catch (EOFException e) {
      throw new SnapshotCorruptException("meta snapshot is truncated", e);
    } catch (InvalidProtocolBufferException e) {
      IOException inner = e.unwrapIOException();
      if (!(inner instanceof InvalidProtocolBufferException)) {
        throw inner;
      }
      throw new SnapshotCorruptException(
          "meta snapshot is truncated or corrupt: cannot read the shard map: " + e.getMessage(), e);
    }
  }
}

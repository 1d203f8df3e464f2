package io.cairn.statemachine;

import static io.cairn.statemachine.Commands.batch;
import static io.cairn.statemachine.Commands.delete;
import static io.cairn.statemachine.Commands.from;
import static io.cairn.statemachine.Commands.key;
import static io.cairn.statemachine.Commands.put;
import static io.cairn.statemachine.Commands.putVersion;
import static io.cairn.statemachine.Commands.snapshotOf;
import static io.cairn.statemachine.Commands.staleDuplicate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.protobuf.ByteString;
import io.cairn.proto.internal.SnapshotEntry;
import io.cairn.proto.internal.SnapshotHeader;
import io.cairn.proto.internal.SnapshotTrailer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardSnapshotTest {
  private static final long T0 = 1_700_000_000_000L;

  /** A shard with entries (one removed, one binary), two sessions, one acked write. */
  private static ShardCore populatedShard() {
    ShardCore core = new ShardCore(new InMemoryKvStore());
    core.apply(batch(T0, put("b", "2"), put("a", "1"), from("c1", 1, 0, put("gone", "x"))), 3);
    core.apply(batch(T0 + 10, delete("gone"), from("c2", 7, 0, put("c", "3"))), 4);
    core.apply(batch(T0 + 20, from("c1", 2, 2, put("\u00ff\u0000", "binary"))), 9);
    core.advanceAppliedIndex(11);
    return core;
  }

  private static ShardCore restore(byte[] snapshot) throws IOException {
    return ShardCore.restore(new ByteArrayInputStream(snapshot), new InMemoryKvStore());
  }

  @Test
  void theStateDigestTellsEqualStatesFromDifferentOnes() throws IOException {
    ShardCore a = new ShardCore(new InMemoryKvStore());
    ShardCore b = new ShardCore(new InMemoryKvStore());
    for (ShardCore c : List.of(a, b)) {
      c.apply(batch(1_000, put("k", "v")), 1);
    }
    assertThat(a.stateDigest()).hasSize(32).isEqualTo(b.stateDigest());

    b.store().put("k".getBytes(StandardCharsets.UTF_8), "w".getBytes(StandardCharsets.UTF_8), 1);
    assertThat(b.stateDigest()).isNotEqualTo(a.stateDigest());
  }

  @Test
  void restoreBringsBackEntriesSessionsAndAppliedIndex() throws IOException {
    ShardCore original = populatedShard();
    byte[] snapshot = snapshotOf(original);

    ShardCore restored = restore(snapshot);

    assertThat(restored.appliedIndex()).isEqualTo(11);
    assertThat(restored.keyCount()).isEqualTo(4);
    assertThat(restored.sessionCount()).isEqualTo(2);
    assertThat(restored.read(key("c")).getVersion()).isEqualTo(4);
    assertThat(restored.read(key("gone")).getFound()).isFalse();
    assertThat(snapshotOf(restored)).isEqualTo(snapshot);
    // The session table came back: a retry is answered from it, an acked write is stale.
    assertThat(restored.apply(batch(T0 + 30, from("c2", 7, 0, put("c", "3"))), 12).getResults(0))
        .isEqualTo(putVersion(4));
    assertThat(restored.apply(batch(T0 + 30, from("c1", 1, 0, put("gone", "x"))), 13).getResults(0))
        .isEqualTo(staleDuplicate());
  }

  @Test
  void theSnapshotFollowsTheDocumentedLayout() throws IOException {
    byte[] snapshot = snapshotOf(populatedShard());
    InputStream in = new ByteArrayInputStream(snapshot);

    SnapshotHeader header = SnapshotHeader.parseDelimitedFrom(in);
    assertThat(header.getFormatVersion()).isEqualTo(1);
    assertThat(header.getAppliedIndex()).isEqualTo(11);
    assertThat(header.getKeyCount()).isEqualTo(4);
    assertThat(header.getSessionCount()).isEqualTo(2);
    assertThat(SnapshotEntry.parseDelimitedFrom(in).getKey().toStringUtf8()).isEqualTo("a");
    assertThat(SnapshotEntry.parseDelimitedFrom(in).getKey().toStringUtf8()).isEqualTo("b");
    assertThat(SnapshotEntry.parseDelimitedFrom(in).getKey().toStringUtf8()).isEqualTo("c");
    assertThat(SnapshotEntry.parseDelimitedFrom(in).getKey())
        .isEqualTo(ByteString.copyFromUtf8("\u00ff\u0000"));
    assertThat(
            io.cairn.proto.internal.SnapshotSession.parseDelimitedFrom(in)
                .getClientId()
                .toStringUtf8())
        .isEqualTo("c1");
    assertThat(
            io.cairn.proto.internal.SnapshotSession.parseDelimitedFrom(in)
                .getClientId()
                .toStringUtf8())
        .isEqualTo("c2");
    int crcEnd = snapshot.length - in.available();
    SnapshotTrailer trailer = SnapshotTrailer.parseDelimitedFrom(in);
    assertThat(in.available()).isZero();

    CRC32C crc = new CRC32C();
    crc.update(snapshot, 0, crcEnd);
    assertThat(trailer.getCrc32C()).isEqualTo((int) crc.getValue());
  }

  @Test
  void anEmptyShardRoundTrips() throws IOException {
    ShardCore empty = new ShardCore(new InMemoryKvStore());
    ShardCore restored = restore(snapshotOf(empty));
    assertThat(restored.appliedIndex()).isZero();
    assertThat(restored.keyCount()).isZero();
    assertThat(restored.sessionCount()).isZero();
  }

  @Test
  void aMapDbShardRestoresIntoAMapDbStore(@TempDir Path dir) throws IOException {
    try (MapDbKvStore source = MapDbKvStore.createFresh(dir.resolve("a.db"));
        MapDbKvStore target = MapDbKvStore.createFresh(dir.resolve("b.db"))) {
      ShardCore core = new ShardCore(source);
      core.apply(batch(T0, put("k1", "v1"), put("k2", "v2"), from("c", 1, 0, delete("k1"))), 5);
      byte[] snapshot = snapshotOf(core);
      ShardCore restored = ShardCore.restore(new ByteArrayInputStream(snapshot), target);
      assertThat(restored.store()).isSameAs(target);
      assertThat(snapshotOf(restored)).isEqualTo(snapshot);
    }
  }

  @Test
  void everyTruncationIsRejected() throws IOException {
    byte[] snapshot = snapshotOf(populatedShard());
    for (int length = 0; length < snapshot.length; length++) {
      byte[] cut = Arrays.copyOf(snapshot, length);
      InMemoryKvStore store = new InMemoryKvStore();
      assertThat(catchThrowable(() -> ShardCore.restore(new ByteArrayInputStream(cut), store)))
          .as("snapshot cut to %d of %d bytes", length, snapshot.length)
          .isInstanceOf(SnapshotCorruptException.class)
          .hasMessageContaining("snapshot");
      assertThat(store.keyCount()).as("store after a failed restore").isZero();
    }
  }

  @Test
  void everySingleBitFlipIsRejected() throws IOException {
    byte[] snapshot = snapshotOf(populatedShard());
    for (int i = 0; i < snapshot.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] bad = snapshot.clone();
        bad[i] ^= (byte) (1 << bit);
        assertThat(catchThrowable(() -> restore(bad)))
            .as("bit %d of byte %d of %d flipped", bit, i, snapshot.length)
            .isInstanceOf(SnapshotCorruptException.class);
      }
    }
  }

  @Test
  void aChecksumMismatchSaysSo() throws IOException {
    byte[] snapshot = snapshotOf(populatedShard());
    byte[] bad = snapshot.clone();
    int valueAt = indexOf(bad, "binary".getBytes());
    bad[valueAt] = 'B'; // same length: the structure still parses
    assertThatThrownBy(() -> restore(bad))
        .isInstanceOf(SnapshotCorruptException.class)
        .hasMessageContaining("checksum mismatch");
  }

  @Test
  void bytesAfterTheTrailerAreRejected() throws IOException {
    byte[] snapshot = snapshotOf(populatedShard());
    byte[] longer = Arrays.copyOf(snapshot, snapshot.length + 1);
    assertThatThrownBy(() -> restore(longer))
        .isInstanceOf(SnapshotCorruptException.class)
        .hasMessageContaining("after its trailer");
  }

  @Test
  void anUnknownFormatVersionIsRejectedByName() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SnapshotHeader.newBuilder().setFormatVersion(3).build().writeDelimitedTo(out);
    assertThatThrownBy(() -> restore(out.toByteArray()))
        .isInstanceOf(SnapshotCorruptException.class)
        .hasMessageContaining("format_version 3");
  }

  @Test
  void keysOutOfOrderAreRejectedEvenWithAValidChecksum() throws IOException {
    byte[] snapshot =
        withValidTrailer(
            SnapshotHeader.newBuilder()
                .setFormatVersion(1)
                .setAppliedIndex(5)
                .setKeyCount(2)
                .build(),
            SnapshotEntry.newBuilder().setKey(ByteString.copyFromUtf8("b")).setVersion(1).build(),
            SnapshotEntry.newBuilder().setKey(ByteString.copyFromUtf8("a")).setVersion(1).build());
    assertThatThrownBy(() -> restore(snapshot))
        .isInstanceOf(SnapshotCorruptException.class)
        .hasMessageContaining("entry 2 of 2")
        .hasMessageContaining("ascending");
  }

  @Test
  void aVersionAboveTheAppliedIndexIsRejected() throws IOException {
    byte[] snapshot =
        withValidTrailer(
            SnapshotHeader.newBuilder()
                .setFormatVersion(1)
                .setAppliedIndex(5)
                .setKeyCount(1)
                .build(),
            SnapshotEntry.newBuilder().setKey(ByteString.copyFromUtf8("a")).setVersion(6).build());
    assertThatThrownBy(() -> restore(snapshot))
        .isInstanceOf(SnapshotCorruptException.class)
        .hasMessageContaining("version 6 is outside 1..5");
  }

  @Test
  void restoreNeedsAnEmptyStore() {
    byte[] snapshot = snapshotOf(populatedShard());
    InMemoryKvStore store = new InMemoryKvStore();
    store.put(key("x"), key("y"), 1);
    assertThatThrownBy(() -> ShardCore.restore(new ByteArrayInputStream(snapshot), store))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty store");
  }

  @Test
  void aFailingStreamIsAnIoErrorNotCorruption() {
    byte[] snapshot = snapshotOf(populatedShard());
    InputStream failing =
        new InputStream() {
          private int left = snapshot.length / 2;

          @Override
          public int read() throws IOException {
            if (left-- <= 0) {
              throw new IOException("disk went away");
            }
            return snapshot[snapshot.length / 2 - left - 1] & 0xff;
          }
        };
    assertThatThrownBy(() -> ShardCore.restore(failing, new InMemoryKvStore()))
        .isInstanceOf(IOException.class)
        .isNotInstanceOf(SnapshotCorruptException.class)
        .hasMessageContaining("disk went away");
  }

  private static byte[] withValidTrailer(com.google.protobuf.MessageLite... records)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (com.google.protobuf.MessageLite r : records) {
      r.writeDelimitedTo(out);
    }
    CRC32C crc = new CRC32C();
    crc.update(out.toByteArray());
    SnapshotTrailer.newBuilder().setCrc32C((int) crc.getValue()).build().writeDelimitedTo(out);
    return out.toByteArray();
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }
}

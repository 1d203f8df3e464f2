package io.cairn.statemachine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.cairn.proto.NodeInfo;
import io.cairn.proto.ShardMap;
import io.cairn.proto.internal.MetaCommand;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetaCoreTest {
  private static final ShardMap EPOCH_1 =
      ShardPlacement.initialMap(
          "prod", List.of(node("n1", "10.0.0.1"), node("n2", "10.0.0.2")), 4, 2, 16);

  private static NodeInfo node(String id, String host) {
    return NodeInfo.newBuilder()
        .setId(id)
        .setHost(host)
        .setRaftPort(7000)
        .setClientPort(7001)
        .setHttpPort(7002)
        .build();
  }

  private static ShardMap withEpoch(long epoch) {
    return EPOCH_1.toBuilder().setEpoch(epoch).build();
  }

  private static MetaCommand init(ShardMap map) {
    return MetaCommand.newBuilder().setInitIfAbsent(map).build();
  }

  private static MetaCommand replace(ShardMap map) {
    return MetaCommand.newBuilder().setReplace(map).build();
  }

  private static byte[] snapshotOf(MetaCore core) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    core.writeSnapshot(out);
    return out.toByteArray();
  }

  @Test
  void aNewGroupHoldsNoMap() {
    MetaCore core = new MetaCore();
    assertThat(core.current()).isEmpty();
    assertThat(core.appliedIndex()).isZero();
  }

  @Test
  void initIfAbsentInstallsOnlyTheFirstMap() {
    MetaCore core = new MetaCore();
    assertThat(core.apply(init(EPOCH_1), 1)).isEqualTo(EPOCH_1);
    ShardMap other = EPOCH_1.toBuilder().setClusterId("other").build();
    assertThat(core.apply(init(other), 2)).isEqualTo(EPOCH_1);
    assertThat(core.current()).contains(EPOCH_1);
    assertThat(core.appliedIndex()).isEqualTo(2);
  }

  @Test
  void replaceNeedsExactlyTheNextEpoch() {
    MetaCore core = new MetaCore();
    core.apply(init(EPOCH_1), 1);
    assertThat(core.apply(replace(withEpoch(3)), 2)).isEqualTo(EPOCH_1);
    assertThat(core.apply(replace(withEpoch(1)), 3)).isEqualTo(EPOCH_1);
    assertThat(core.apply(replace(withEpoch(2)), 4)).isEqualTo(withEpoch(2));
    assertThat(core.apply(replace(withEpoch(2).toBuilder().setClusterId("late").build()), 5))
        .isEqualTo(withEpoch(2));
    assertThat(core.current()).contains(withEpoch(2));
  }

  @Test
  void replaceWithoutACurrentMapChangesNothing() {
    MetaCore core = new MetaCore();
    assertThat(core.apply(replace(withEpoch(1)), 1)).isEqualTo(ShardMap.getDefaultInstance());
    assertThat(core.current()).isEmpty();
    assertThat(core.appliedIndex()).isEqualTo(1);
  }

  @Test
  void aCommandWithoutAnOperationOnlyAdvancesTheIndex() {
    MetaCore core = new MetaCore();
    core.apply(init(EPOCH_1), 1);
    assertThat(core.apply(MetaCommand.getDefaultInstance(), 2)).isEqualTo(EPOCH_1);
    assertThat(core.appliedIndex()).isEqualTo(2);
  }

  @Test
  void theAppliedIndexOnlyMovesForward() {
    MetaCore core = new MetaCore();
    core.advanceAppliedIndex(5);
    core.advanceAppliedIndex(2);
    assertThat(core.appliedIndex()).isEqualTo(5);
    assertThatThrownBy(() -> core.apply(init(EPOCH_1), 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("entry index 5");
    assertThat(core.current()).isEmpty();
  }

  @Test
  void snapshotsRoundTripWithAndWithoutAMap() throws IOException {
    MetaCore empty = new MetaCore();
    empty.advanceAppliedIndex(3);
    MetaCore restoredEmpty = MetaCore.restore(new ByteArrayInputStream(snapshotOf(empty)));
    assertThat(restoredEmpty.current()).isEmpty();
    assertThat(restoredEmpty.appliedIndex()).isEqualTo(3);

    MetaCore full = new MetaCore();
    full.apply(init(EPOCH_1), 4);
    full.apply(replace(withEpoch(2)), 9);
    byte[] snapshot = snapshotOf(full);
    MetaCore restored = MetaCore.restore(new ByteArrayInputStream(snapshot));
    assertThat(restored.current()).contains(withEpoch(2));
    assertThat(restored.appliedIndex()).isEqualTo(9);
    assertThat(snapshotOf(restored)).isEqualTo(snapshot);
    assertThat(restored.apply(replace(withEpoch(3)), 10)).isEqualTo(withEpoch(3));
  }

  @Test
  void everyTruncationAndBitFlipIsRejected() throws IOException {
    MetaCore core = new MetaCore();
    core.apply(init(EPOCH_1), 4);
    byte[] snapshot = snapshotOf(core);
    for (int length = 0; length < snapshot.length; length++) {
      byte[] cut = Arrays.copyOf(snapshot, length);
      assertThat(catchThrowable(() -> MetaCore.restore(new ByteArrayInputStream(cut))))
          .as("cut to %d of %d bytes", length, snapshot.length)
          .isInstanceOf(SnapshotCorruptException.class);
    }
    for (int i = 0; i < snapshot.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] bad = snapshot.clone();
        bad[i] ^= (byte) (1 << bit);
        assertThat(catchThrowable(() -> MetaCore.restore(new ByteArrayInputStream(bad))))
            .as("bit %d of byte %d flipped", bit, i)
            .isInstanceOf(SnapshotCorruptException.class);
      }
    }
  }

  @Test
  void wrongMagicVersionAndTrailingBytesAreNamed() throws IOException {
    byte[] snapshot = snapshotOf(new MetaCore());
    byte[] notMeta = snapshot.clone();
    notMeta[0] = 'X';
    assertThatThrownBy(() -> MetaCore.restore(new ByteArrayInputStream(notMeta)))
        .isInstanceOf(SnapshotCorruptException.class)
        .hasMessageContaining("not a meta snapshot");

    byte[] longer = Arrays.copyOf(snapshot, snapshot.length + 1);
    assertThatThrownBy(() -> MetaCore.restore(new ByteArrayInputStream(longer)))
        .isInstanceOf(SnapshotCorruptException.class)
        .hasMessageContaining("after its checksum");
  }
}

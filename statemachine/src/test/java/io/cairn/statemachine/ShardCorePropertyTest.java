package io.cairn.statemachine;

import static io.cairn.statemachine.Commands.snapshotOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.proto.internal.CommandBatch;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Generated workloads against snapshots: a core restored from a snapshot against the core it was
 * taken from (byte for byte), and cut snapshots. How the core answers is checked against a plain
 * model in {@link ShardCoreModelTest}.
 */
class ShardCorePropertyTest {

  @Provide
  Arbitrary<List<Workload.Batch>> workloads() {
    return Workload.batches(25);
  }

  /** A restored shard is the same shard: same snapshot, same answers to what follows. */
  @Property(tries = 200)
  void aRestoredShardContinuesExactlyLikeTheOriginal(
      @ForAll("workloads") List<Workload.Batch> workload,
      @ForAll @IntRange(min = 0, max = 25) int snapshotAfter)
      throws IOException {
    ShardCore original = new ShardCore(new InMemoryKvStore());
    Workload.Driver driver = new Workload.Driver();
    int split = Math.min(snapshotAfter, workload.size());
    for (Workload.Batch b : workload.subList(0, split)) {
      original.apply(driver.entry(b, original::read), driver.nextIndex(b));
    }
    byte[] snapshot = snapshotOf(original);
    ShardCore restored =
        ShardCore.restore(new ByteArrayInputStream(snapshot), new InMemoryKvStore());
    assertThat(snapshotOf(restored)).isEqualTo(snapshot);
    assertThat(restored.appliedIndex()).isEqualTo(original.appliedIndex());

    for (Workload.Batch b : workload.subList(split, workload.size())) {
      CommandBatch entry = driver.entry(b, original::read);
      long index = driver.nextIndex(b);
      assertThat(restored.apply(entry, index)).isEqualTo(original.apply(entry, index));
    }
    assertThat(snapshotOf(restored)).isEqualTo(snapshotOf(original));
  }

  /** Any cut of a real snapshot is refused, never restored as a smaller shard. */
  @Property(tries = 100)
  void aTruncatedSnapshotIsRefused(
      @ForAll("workloads") List<Workload.Batch> workload, @ForAll("fractions") double keep)
      throws IOException {
    ShardCore core = new ShardCore(new InMemoryKvStore());
    Workload.Driver driver = new Workload.Driver();
    for (Workload.Batch b : workload) {
      core.apply(driver.entry(b, core::read), driver.nextIndex(b));
    }
    byte[] snapshot = snapshotOf(core);
    int length = (int) (snapshot.length * keep);
    byte[] cut = java.util.Arrays.copyOf(snapshot, length);
    try {
      ShardCore.restore(new ByteArrayInputStream(cut), new InMemoryKvStore());
      throw new AssertionError(
          "restored a snapshot cut to " + length + " of " + snapshot.length + " bytes");
    } catch (SnapshotCorruptException expected) {
      assertThat(expected).hasMessageContaining("snapshot");
    }
  }

  @Provide
  Arbitrary<Double> fractions() {
    return Arbitraries.doubles().between(0, 1).filter(d -> d < 1.0);
  }
}

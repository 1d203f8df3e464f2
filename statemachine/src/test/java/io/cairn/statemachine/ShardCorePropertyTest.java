package io.cairn.statemachine;

import static io.cairn.statemachine.Commands.snapshotOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.proto.internal.BatchResult;
import io.cairn.proto.internal.CommandBatch;
import io.cairn.proto.internal.CommandResult.OutcomeCase;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.IntRange;

/**
 * Generated workloads: the MapDB-backed core against the in-memory model, and a core restored
 * from a snapshot against the core it was taken from.
 */
class ShardCorePropertyTest {

  @Provide
  Arbitrary<List<Workload.Batch>> workloads() {
    return Workload.batches(25);
  }

  /** Same entries in, same results out and the same state, whatever the store. */
  @Property(tries = 60)
  void mapDbShardBehavesLikeTheInMemoryModel(@ForAll("workloads") List<Workload.Batch> workload)
      throws IOException {
    Path dir = Files.createTempDirectory("cairn-shard-property");
    try (MapDbKvStore mapDb = MapDbKvStore.createFresh(dir.resolve("shard.db"))) {
      ShardCore model = new ShardCore(new InMemoryKvStore());
      ShardCore real = new ShardCore(mapDb);
      Workload.Driver driver = new Workload.Driver();
      for (Workload.Batch b : workload) {
        CommandBatch entry = driver.entry(b, model::read);
        long index = driver.nextIndex(b);
        BatchResult expected = model.apply(entry, index);
        assertThat(real.apply(entry, index)).isEqualTo(expected);
        expected.getResultsList().forEach(r -> Statistics.collect(r.getOutcomeCase()));
      }
      for (int k = 0; k < Workload.KEYS; k++) {
        byte[] key = ("k" + k).getBytes();
        assertThat(real.read(key)).isEqualTo(model.read(key));
      }
      assertThat(real.keyCount()).isEqualTo(model.keyCount());
      assertThat(snapshotOf(real)).isEqualTo(snapshotOf(model));
    } finally {
      deleteRecursively(dir);
    }
    // The generator must keep producing every kind of outcome, or this property tests little.
    Statistics.coverage(c -> {
      c.check(OutcomeCase.PUT_VERSION).percentage(p -> p > 5);
      c.check(OutcomeCase.DELETED).percentage(p -> p > 5);
      c.check(OutcomeCase.MISMATCH).percentage(p -> p > 5);
      c.check(OutcomeCase.STALE_DUPLICATE).percentage(p -> p > 0.2); // ~2% expected
    });
  }

  /** A restored shard is the same shard: same snapshot, same answers to what follows. */
  @Property(tries = 200)
  void aRestoredShardContinuesExactlyLikeTheOriginal(
      @ForAll("workloads") List<Workload.Batch> workload,
      @ForAll @IntRange(min = 0, max = 25) int snapshotAfter) throws IOException {
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
  void aTruncatedSnapshotIsRefused(@ForAll("workloads") List<Workload.Batch> workload,
      @ForAll("fractions") double keep) throws IOException {
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
      throw new AssertionError("restored a snapshot cut to " + length + " of "
          + snapshot.length + " bytes");
    } catch (SnapshotCorruptException expected) {
      assertThat(expected).hasMessageContaining("snapshot");
    }
  }

  @Provide
  Arbitrary<Double> fractions() {
    return Arbitraries.doubles().between(0, 1).filter(d -> d < 1.0);
  }

  private static void deleteRecursively(Path dir) throws IOException {
    List<Path> paths = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.forEach(paths::add);
    }
    paths.sort(Comparator.reverseOrder());
    for (Path p : paths) {
      Files.deleteIfExists(p);
    }
  }
}

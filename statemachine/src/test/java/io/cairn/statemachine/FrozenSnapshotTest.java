package io.cairn.statemachine;

import static io.cairn.statemachine.Commands.batch;
import static io.cairn.statemachine.Commands.delete;
import static io.cairn.statemachine.Commands.from;
import static io.cairn.statemachine.Commands.put;
import static io.cairn.statemachine.Commands.snapshotOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.proto.internal.Command;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A frozen snapshot writes exactly the bytes a snapshot taken at the freeze would have, whatever
 * the apply thread does to the shard meanwhile.
 */
class FrozenSnapshotTest {
  private static final long T0 = 1_700_000_000_000L;

  @TempDir Path dir;
  private final List<KvStore> opened = new ArrayList<>();

  @AfterEach
  void closeStores() {
    opened.forEach(KvStore::close);
  }

  private KvStore mapDb(String name) {
    KvStore s = new CachingKvStore(MapDbKvStore.createFresh(dir.resolve(name)), 1 << 20);
    opened.add(s);
    return s;
  }

  private static byte[] write(ShardCore.FrozenSnapshot frozen) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    frozen.writeTo(out);
    return out.toByteArray();
  }

  @Test
  void changesAfterTheFreezeDoNotReachTheSnapshot() throws IOException {
    for (KvStore store : List.of(new InMemoryKvStore(), mapDb("one"))) {
      ShardCore core = new ShardCore(store);
      core.apply(batch(T0, put("a", "1"), put("b", "2"), put("c", "3"), put("d", "4")), 1);
      core.apply(batch(T0 + 1, from("c1", 1, 0, put("e", "5"))), 2);
      byte[] atFreeze = snapshotOf(core);

      try (ShardCore.FrozenSnapshot frozen = core.freeze()) {
        // An update, a delete, a new key, a delete and re-create, a new session and a session's
        // next write: none of it may show.
        core.apply(batch(T0 + 2, put("b", "changed"), delete("c"), put("bb", "new")), 3);
        core.apply(batch(T0 + 3, delete("a"), from("c2", 1, 0, put("f", "6"))), 4);
        core.apply(batch(T0 + 4, put("a", "again"), from("c1", 2, 1, put("e", "7"))), 5);

        assertThat(frozen.appliedIndex()).isEqualTo(2);
        assertThat(frozen.changedKeys()).isEqualTo(6); // a, b, bb, c, e, f
        assertThat(write(frozen)).isEqualTo(atFreeze);
      }
      // Closed: the next snapshot is of the shard as it is now.
      assertThat(snapshotOf(core)).isNotEqualTo(atFreeze);
      try (ShardCore.FrozenSnapshot now = core.freeze()) {
        assertThat(write(now)).isEqualTo(snapshotOf(core));
      }
    }
  }

  @Test
  void aSecondFreezeWaitsForTheFirstToClose() {
    ShardCore core = new ShardCore(new InMemoryKvStore());
    core.apply(batch(T0, put("a", "1")), 1);
    ShardCore.FrozenSnapshot first = core.freeze();

    assertThatThrownBy(core::freeze)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("still open");

    first.close();
    core.freeze().close();
  }

  @Test
  void aClosedFreezeSavesNothingMore() {
    ShardCore core = new ShardCore(new InMemoryKvStore());
    core.apply(batch(T0, put("a", "1")), 1);
    ShardCore.FrozenSnapshot frozen = core.freeze();
    frozen.close();

    core.apply(batch(T0 + 1, put("a", "2"), put("b", "3")), 2);

    assertThat(frozen.changedKeys()).isZero();
  }

  /**
   * The real case: a MapDB store big enough for its B-tree to split leaves under the walk, walked
   * on one thread while another applies entries between every two keys the walk yields (a hand-off
   * per key, so the walk holds leaves read before the changes). Each round compares what the walk
   * visits, and then the whole snapshot written the same way, with the state at the freeze.
   */
  @Test
  void aWalkInterleavedWithAppliedEntriesSeesTheStateAtTheFreeze() throws Exception {
    Random random = new Random(20261205);
    int keys = 4_000;
    ShardCore core = new ShardCore(mapDb("interleaved"));
    long[] index = {0};
    for (int i = 0; i < keys; i += 100) {
      List<Command> puts = new ArrayList<>();
      for (int j = i; j < i + 100; j += 2) { // every other key, so inserts land between them
        puts.add(put(key(j), "v" + j));
      }
      core.apply(batch(T0, puts.toArray(Command[]::new)), ++index[0]);
    }
    Runnable applySomething =
        () -> {
          Map<String, Command> entry = new LinkedHashMap<>(); // an entry holds a key once
          for (int c = 0; c < 6; c++) {
            String k = key(random.nextInt(keys));
            entry.put(k, random.nextInt(3) == 0 ? delete(k) : put(k, "r" + random.nextInt()));
          }
          core.apply(batch(T0, entry.values().toArray(Command[]::new)), ++index[0]);
        };

    for (int round = 0; round < 4; round++) {
      List<String> atFreeze = entriesOf(core.store());
      byte[] bytesAtFreeze = snapshotOf(core);
      try (ShardCore.FrozenSnapshot frozen = core.freeze()) {
        List<String> walked = new ArrayList<>();
        inLockstep(
            step ->
                frozen.forEachEntry(
                    (k, v, version) -> {
                      walked.add(describe(k, v, version));
                      step.run();
                    }),
            applySomething);
        assertThat(walked).as("round %d", round).isEqualTo(atFreeze);
        assertThat(frozen.changedKeys()).isGreaterThan(keys / 4);
      }
      try (ShardCore.FrozenSnapshot frozen = core.freeze()) {
        byte[][] written = new byte[1][];
        // The same for the snapshot's bytes, with entries applied at every buffered write.
        bytesAtFreeze = snapshotOf(core);
        byte[] expected = bytesAtFreeze;
        inLockstep(
            step -> {
              ByteArrayOutputStream out = new ByteArrayOutputStream();
              try {
                frozen.writeTo(
                    new java.io.FilterOutputStream(out) {
                      @Override
                      public void write(byte[] b, int off, int len) throws IOException {
                        out.write(b, off, len);
                        step.run();
                      }
                    });
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
              written[0] = out.toByteArray();
            },
            applySomething);
        assertThat(written[0]).isEqualTo(expected);
      }
    }
  }

  private static String key(int i) {
    return String.format("key-%06d", i);
  }

  private static String describe(byte[] k, byte[] v, long version) {
    return new String(k, StandardCharsets.UTF_8)
        + "="
        + new String(v, StandardCharsets.UTF_8)
        + "@"
        + version;
  }

  private static List<String> entriesOf(KvStore store) {
    List<String> out = new ArrayList<>();
    store.forEachInKeyOrder((k, v, version) -> out.add(describe(k, v, version)));
    return out;
  }

  /**
   * Runs {@code walk} on its own thread; every time it calls the step it is given, {@code apply}
   * runs once on this thread while the walk waits. Bounded: fails if either side stops answering.
   */
  private static void inLockstep(java.util.function.Consumer<Runnable> walk, Runnable apply)
      throws Exception {
    SynchronousQueue<Object> toApplier = new SynchronousQueue<>();
    SynchronousQueue<Object> toWalker = new SynchronousQueue<>();
    Object done = new Object();
    Runnable step =
        () -> {
          try {
            if (!toApplier.offer(Boolean.TRUE, 30, TimeUnit.SECONDS)
                || toWalker.poll(30, TimeUnit.SECONDS) == null) {
              throw new IllegalStateException("the applying thread stopped answering");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
          }
        };
    CompletableFuture<Void> walker =
        CompletableFuture.runAsync(
            () -> {
              try {
                walk.accept(step);
              } finally {
                try {
                  toApplier.offer(done, 30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            });
    for (int steps = 0; steps < 1_000_000; steps++) {
      Object signal = toApplier.poll(30, TimeUnit.SECONDS);
      assertThat(signal).as("the walk stopped answering").isNotNull();
      if (signal == done) {
        break;
      }
      apply.run();
      assertThat(toWalker.offer(Boolean.TRUE, 30, TimeUnit.SECONDS)).isTrue();
    }
    walker.get(30, TimeUnit.SECONDS);
  }
}

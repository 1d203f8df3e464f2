package io.cairn.statemachine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MapDbKvStoreTest extends KvStoreContract {
  @TempDir Path dir;

  @Override
  protected KvStore openFreshStore() {
    return MapDbKvStore.createFresh(dir.resolve("shard-1.db"));
  }

  @Test
  void createFreshDiscardsWhatIsAlreadyAtThePath() throws Exception {
    Path file = dir.resolve("old.db");
    try (MapDbKvStore old = MapDbKvStore.createFresh(file)) {
      old.put(bytes("stale"), bytes("v"), 1);
    }
    try (MapDbKvStore fresh = MapDbKvStore.createFresh(file)) {
      assertThat(fresh.keyCount()).isZero();
      assertThat(fresh.get(bytes("stale"))).isNull();
    }

    Path garbage = dir.resolve("garbage.db");
    Files.write(garbage, new byte[] {1, 2, 3, 4, 5});
    try (MapDbKvStore fresh = MapDbKvStore.createFresh(garbage)) {
      fresh.put(bytes("k"), bytes("v"), 1);
      assertThat(fresh.get(bytes("k")).version()).isEqualTo(1);
    }
  }

  @Test
  void createFreshMakesMissingDirectories() {
    Path file = dir.resolve("a/b/c/shard.db");
    try (MapDbKvStore s = MapDbKvStore.createFresh(file)) {
      s.put(bytes("k"), bytes("v"), 1);
      assertThat(Files.exists(file)).isTrue();
      assertThat(s.file()).isEqualTo(file);
    }
  }

  @Test
  void storageBytesIsTheFileSize() throws Exception {
    MapDbKvStore s = (MapDbKvStore) store;
    for (int i = 0; i < 200; i++) {
      s.put(bytes("key-" + i), new byte[1_000], i + 1);
    }
    assertThat(s.storageBytes()).isPositive().isEqualTo(Files.size(s.file()));
  }

  @Test
  void compactGivesSpaceBackAfterDeletes() {
    // Deleting frees records inside the file but never shrinks it; only compact does.
    byte[] value = new byte[2_000];
    for (int i = 0; i < 5_000; i++) {
      store.put(bytes("key-" + i), value, i + 1);
    }
    for (int i = 0; i < 5_000; i++) {
      if (i % 10 != 0) {
        store.remove(bytes("key-" + i));
      }
    }
    long afterDeletes = store.storageBytes();
    store.compact();
    assertThat(store.storageBytes()).isLessThan(afterDeletes / 2);
    assertThat(store.keyCount()).isEqualTo(500);
    assertThat(store.get(bytes("key-10")).value()).isEqualTo(value);
  }
}

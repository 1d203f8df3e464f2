package io.cairn.statemachine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class CachingKvStoreTest extends KvStoreContract {
  @Override
  protected KvStore openFreshStore() {
    return new CachingKvStore(new InMemoryKvStore(), 1 << 20);
  }

  @Test
  void staysWithinItsByteBudget() {
    CachingKvStore s = new CachingKvStore(new InMemoryKvStore(), 100_000);
    for (int i = 0; i < 1000; i++) {
      s.put(bytes("key" + i), new byte[1000], i + 1);
    }
    assertThat(s.cachedBytes()).isLessThanOrEqualTo(100_000);
    // Evicted entries are still served, from the backing store.
    for (int i = 0; i < 1000; i++) {
      assertThat(s.get(bytes("key" + i)).version()).isEqualTo(i + 1);
    }
  }

  @Test
  void aZeroBudgetCachesNothingAndStillWorks() {
    CachingKvStore s = new CachingKvStore(new InMemoryKvStore(), 0);
    s.put(bytes("k"), bytes("v"), 3);
    assertThat(s.get(bytes("k")).version()).isEqualTo(3);
    assertThat(s.cachedBytes()).isZero();
  }

  @Test
  void servesCachedReadsWithoutTheBackingStoreAndSeesEveryWrite() {
    InMemoryKvStore backing = new InMemoryKvStore();
    CachingKvStore s = new CachingKvStore(backing, 1 << 20);
    s.put(bytes("k"), bytes("a"), 1);
    assertThat(s.get(bytes("k")).value()).isEqualTo(bytes("a"));
    s.put(bytes("k"), bytes("b"), 2);
    assertThat(s.get(bytes("k")).value()).isEqualTo(bytes("b"));
    assertThat(s.get(bytes("missing"))).isNull();
    s.put(bytes("missing"), bytes("now"), 3);
    assertThat(s.get(bytes("missing")).version()).isEqualTo(3);
    assertThat(s.remove(bytes("k"))).isTrue();
    assertThat(s.get(bytes("k"))).isNull();
  }

  @Test
  void writesKeepCachedEntriesCurrentAndLeaveOtherKeysOut() {
    CachingKvStore s = new CachingKvStore(new InMemoryKvStore(), 1 << 20);
    s.put(bytes("written"), bytes("a"), 1);
    s.remove(bytes("removed"));
    assertThat(s.isCached(bytes("written"))).as("a key only written").isFalse();
    assertThat(s.isCached(bytes("removed"))).as("a key only removed").isFalse();
    assertThat(s.cachedBytes()).isZero();

    assertThat(s.get(bytes("written")).value()).isEqualTo(bytes("a"));
    assertThat(s.isCached(bytes("written"))).as("a key once read").isTrue();
    s.put(bytes("written"), bytes("b"), 2);
    assertThat(s.isCached(bytes("written"))).isTrue();
    Versioned hit = s.get(bytes("written"));
    assertThat(hit.value()).isEqualTo(bytes("b"));
    assertThat(hit.version()).isEqualTo(2);

    s.remove(bytes("written"));
    assertThat(s.isCached(bytes("written"))).as("a cached key removed: its absence").isTrue();
    assertThat(s.get(bytes("written"))).isNull();
    s.put(bytes("written"), bytes("c"), 3);
    assertThat(s.get(bytes("written")).version()).isEqualTo(3);
  }

  @Test
  void peekingAndSavingCopiesForASnapshotLeaveTheCacheAlone() {
    CachingKvStore s = new CachingKvStore(new InMemoryKvStore(), 1 << 20);
    s.put(bytes("k"), bytes("a"), 1);
    assertThat(s.peek(bytes("k")).value()).isEqualTo(bytes("a"));
    assertThat(s.isCached(bytes("k"))).isFalse();

    FrozenStore frozen = new FrozenStore(s);
    frozen.beforeChange(bytes("k"));
    s.put(bytes("k"), bytes("b"), 2);
    frozen.beforeChange(bytes("absent"));
    assertThat(s.isCached(bytes("k"))).as("a key changed during a snapshot").isFalse();
    assertThat(s.isCached(bytes("absent"))).isFalse();
    assertThat(frozen.changedKeys()).isEqualTo(2);
    frozen.close();
  }

  @Test
  void aCachedValueIsACopyTheWritersArrayCannotChange() {
    CachingKvStore s = new CachingKvStore(new InMemoryKvStore(), 1 << 20);
    s.put(bytes("k"), bytes("a"), 1);
    s.get(bytes("k"));
    byte[] value = bytes("b");
    s.put(bytes("k"), value, 2);
    value[0] = 'x';
    assertThat(s.get(bytes("k")).value()).isEqualTo(bytes("b"));
  }

  @Test
  void aReaderRacingTheWriterNeverLeavesAStaleEntryBehind() throws Exception {
    // One writer (the apply thread) bumps a key's version while readers hammer it; once the
    // writer is done, every reader must see the last version: a stale fill would stick forever.
    for (int round = 0; round < 20; round++) {
      CachingKvStore s = new CachingKvStore(new InMemoryKvStore(), 1 << 20);
      byte[] key = bytes("hot");
      ExecutorService readers = Executors.newFixedThreadPool(3);
      AtomicBoolean done = new AtomicBoolean();
      CountDownLatch started = new CountDownLatch(3);
      Future<?>[] f = new Future<?>[3];
      for (int r = 0; r < 3; r++) {
        f[r] =
            readers.submit(
                () -> {
                  started.countDown();
                  long last = 0;
                  while (!done.get()) {
                    Versioned v = s.get(key);
                    long seen = v == null ? 0 : v.version();
                    assertThat(seen).isGreaterThanOrEqualTo(last);
                    last = seen;
                  }
                });
      }
      started.await(10, TimeUnit.SECONDS);
      for (int v = 1; v <= 2000; v++) {
        s.put(key, bytes("v" + v), v);
      }
      done.set(true);
      for (Future<?> x : f) {
        x.get(10, TimeUnit.SECONDS);
      }
      readers.shutdown();
      assertThat(s.get(key).version()).isEqualTo(2000);
    }
  }
}

package io.cairn.statemachine;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link KvStore} contract; every implementation runs it through a subclass that says how to
 * open a fresh store.
 */
abstract class KvStoreContract {
  protected KvStore store;

  /** A new, empty store; the test closes it. */
  protected abstract KvStore openFreshStore() throws Exception;

  @BeforeEach
  void open() throws Exception {
    store = openFreshStore();
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  static byte[] bytes(int... unsigned) {
    byte[] out = new byte[unsigned.length];
    for (int i = 0; i < unsigned.length; i++) {
      out[i] = (byte) unsigned[i];
    }
    return out;
  }

  @Test
  void getOfAnAbsentKeyIsNull() {
    assertThat(store.get(bytes("missing"))).isNull();
    assertThat(store.keyCount()).isZero();
  }

  @Test
  void putThenGetReturnsValueAndVersion() {
    store.put(bytes("k"), bytes("v1"), 7);
    Versioned v = store.get(bytes("k"));
    assertThat(v.value()).isEqualTo(bytes("v1"));
    assertThat(v.version()).isEqualTo(7);
    assertThat(store.keyCount()).isEqualTo(1);
  }

  @Test
  void putReplacesValueAndVersionWithoutAddingAKey() {
    store.put(bytes("k"), bytes("v1"), 7);
    store.put(bytes("k"), bytes("second"), 9);
    Versioned v = store.get(bytes("k"));
    assertThat(v.value()).isEqualTo(bytes("second"));
    assertThat(v.version()).isEqualTo(9);
    assertThat(store.keyCount()).isEqualTo(1);
  }

  @Test
  void versionsKeepAll64Bits() {
    store.put(bytes("max"), bytes("x"), Long.MAX_VALUE);
    store.put(bytes("neg"), bytes("x"), -1L);
    assertThat(store.get(bytes("max")).version()).isEqualTo(Long.MAX_VALUE);
    assertThat(store.get(bytes("neg")).version()).isEqualTo(-1L);
  }

  @Test
  void removeSaysWhetherTheKeyExisted() {
    store.put(bytes("k"), bytes("v"), 1);
    assertThat(store.remove(bytes("k"))).isTrue();
    assertThat(store.remove(bytes("k"))).isFalse();
    assertThat(store.get(bytes("k"))).isNull();
    assertThat(store.keyCount()).isZero();
  }

  @Test
  void emptyKeysAndEmptyValuesAreStored() {
    store.put(new byte[0], new byte[0], 3);
    Versioned v = store.get(new byte[0]);
    assertThat(v.value()).isEmpty();
    assertThat(v.version()).isEqualTo(3);
  }

  @Test
  void largeValuesRoundTrip() {
    byte[] big = new byte[1 << 20];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) (i * 31);
    }
    store.put(bytes("big"), big, 2);
    assertThat(store.get(bytes("big")).value()).isEqualTo(big);
  }

  @Test
  void storeKeepsItsOwnCopies() {
    byte[] key = bytes("k");
    byte[] value = bytes("value");
    store.put(key, value, 1);
    key[0] = 'x';
    value[0] = 'X';
    Versioned read = store.get(bytes("k"));
    assertThat(read.value()).isEqualTo(bytes("value"));
    read.value()[0] = 'Y';
    assertThat(store.get(bytes("k")).value()).isEqualTo(bytes("value"));
  }

  @Test
  void iteratesInAscendingUnsignedByteOrder() {
    List<byte[]> expected =
        List.of(
            bytes(),
            bytes(0x00),
            bytes(0x01),
            bytes(0x01, 0x00),
            bytes(0x7f),
            bytes(0x80),
            bytes(0x80, 0x00),
            bytes(0xfe, 0xff),
            bytes(0xff));
    List<byte[]> shuffled = new ArrayList<>(expected);
    java.util.Collections.reverse(shuffled);
    long version = 1;
    for (byte[] k : shuffled) {
      store.put(k, ByteBuffer.allocate(8).putLong(version).array(), version++);
    }

    List<byte[]> seen = new ArrayList<>();
    store.forEachInKeyOrder(
        (key, value, v) -> {
          assertThat(ByteBuffer.wrap(value).getLong()).isEqualTo(v);
          seen.add(key);
        });
    assertThat(seen).usingElementComparator(Arrays::compare).containsExactlyElementsOf(expected);
  }

  @Test
  void pagesResumeAfterTheLastKeySeenAndSeeEveryKeyOnce() {
    List<byte[]> expected = new ArrayList<>();
    for (int i = 0; i < 250; i++) {
      byte[] k = bytes(String.format("key-%04d", i));
      expected.add(k);
      store.put(k, bytes("v" + i), i + 1);
    }
    store.put(bytes(), bytes("empty key"), 999);
    expected.add(0, bytes());

    List<byte[]> seen = new ArrayList<>();
    byte[] after = null;
    int pages = 0;
    while (pages++ < 100) {
      List<byte[]> page = new ArrayList<>();
      store.forEachAfter(after, 16, (k, v, ver) -> page.add(k));
      assertThat(page.size()).isLessThanOrEqualTo(16);
      if (page.isEmpty()) {
        break;
      }
      seen.addAll(page);
      after = page.get(page.size() - 1);
    }
    assertThat(seen).usingElementComparator(Arrays::compare).containsExactlyElementsOf(expected);
  }

  @Test
  void aPageStartsStrictlyAfterItsKeyEvenWhenThatKeyIsAbsent() {
    store.put(bytes("a"), bytes("1"), 1);
    store.put(bytes("c"), bytes("3"), 3);
    List<String> seen = new ArrayList<>();
    store.forEachAfter(bytes("b"), 10, (k, v, ver) -> seen.add(new String(k, UTF_8) + ver));
    assertThat(seen).containsExactly("c3");
    seen.clear();
    store.forEachAfter(bytes("a"), 0, (k, v, ver) -> seen.add(new String(k, UTF_8)));
    assertThat(seen).isEmpty();
  }

  @Test
  void aWalkStopsWhenItsVisitorSaysSo() {
    for (int i = 0; i < 10; i++) {
      store.put(bytes("k" + i), bytes("v"), i + 1);
    }
    List<String> seen = new ArrayList<>();
    store.forEachAfter(
        null,
        100,
        (k, v, ver) -> {
          seen.add(new String(k, UTF_8));
          return seen.size() < 3;
        });
    assertThat(seen).containsExactly("k0", "k1", "k2");
  }

  @Test
  void clearRemovesEverything() {
    for (int i = 0; i < 100; i++) {
      store.put(bytes("k" + i), bytes("v" + i), i + 1);
    }
    store.clear();
    assertThat(store.keyCount()).isZero();
    assertThat(store.get(bytes("k5"))).isNull();
    List<byte[]> seen = new ArrayList<>();
    store.forEachInKeyOrder((k, v, ver) -> seen.add(k));
    assertThat(seen).isEmpty();
    store.put(bytes("again"), bytes("v"), 101);
    assertThat(store.keyCount()).isEqualTo(1);
  }

  @Test
  void keyCountFollowsPutsAndRemoves() {
    for (int i = 0; i < 2_000; i++) {
      store.put(bytes("key-" + i), bytes("v"), i + 1);
    }
    for (int i = 0; i < 2_000; i += 2) {
      store.remove(bytes("key-" + i));
    }
    store.put(bytes("key-1"), bytes("replaced"), 5_000);
    assertThat(store.keyCount()).isEqualTo(1_000);
  }

  @Test
  void compactKeepsTheContent() {
    for (int i = 0; i < 500; i++) {
      store.put(bytes("key-" + i), bytes("value-" + i), i + 1);
    }
    for (int i = 0; i < 500; i += 3) {
      store.remove(bytes("key-" + i));
    }
    store.compact();
    assertThat(store.keyCount()).isEqualTo(333);
    assertThat(store.get(bytes("key-1")).value()).isEqualTo(bytes("value-1"));
    assertThat(store.get(bytes("key-0"))).isNull();
    assertThat(store.storageBytes()).isGreaterThanOrEqualTo(0);
  }

  @Test
  void everyOperationFailsAfterCloseAndCloseIsIdempotent() {
    store.put(bytes("k"), bytes("v"), 1);
    store.close();
    store.close();
    assertThatThrownBy(() -> store.get(bytes("k"))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> store.put(bytes("k"), bytes("v"), 2))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> store.remove(bytes("k"))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> store.keyCount()).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> store.forEachInKeyOrder((k, v, ver) -> {}))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> store.clear()).isInstanceOf(IllegalStateException.class);
  }

  /**
   * A reader running next to the writer sees each put whole: the value it reads always matches the
   * version it reads, and versions never go back.
   */
  @Test
  void concurrentGetsSeeWholeWritesInOrder() throws Exception {
    byte[] key = bytes("hot");
    int writes = 5_000;
    store.put(key, valueFor(0), 0);
    AtomicBoolean writerDone = new AtomicBoolean();
    ExecutorService readerThread = Executors.newSingleThreadExecutor();
    try {
      Future<Integer> reader =
          readerThread.submit(
              () -> {
                long last = -1;
                int reads = 0;
                while (!writerDone.get() || reads == 0) {
                  Versioned v = store.get(key);
                  assertThat(v.value()).isEqualTo(valueFor(v.version()));
                  assertThat(v.version()).isGreaterThanOrEqualTo(last);
                  last = v.version();
                  reads++;
                }
                return reads;
              });
      for (int version = 1; version <= writes; version++) {
        store.put(key, valueFor(version), version);
      }
      writerDone.set(true);
      assertThat(reader.get(30, TimeUnit.SECONDS)).isPositive();
    } finally {
      readerThread.shutdownNow();
    }
    assertThat(store.get(key).version()).isEqualTo(writes);
  }

  private static byte[] valueFor(long version) {
    // Varying length, so a torn read of an old and a new value cannot look whole.
    byte[] v = new byte[8 + (int) (version % 50)];
    ByteBuffer.wrap(v).putLong(version);
    Arrays.fill(v, 8, v.length, (byte) version);
    return v;
  }
}

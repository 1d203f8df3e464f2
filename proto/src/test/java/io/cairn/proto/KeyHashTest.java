package io.cairn.proto;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Freezes the key hash: clients and servers of every version must agree on it. */
class KeyHashTest {
  private static long h(String s) {
    return KeyHash.hash64(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void goldenVectors() {
    assertThat(KeyHash.hash64(new byte[0])).isEqualTo(GOLDEN_EMPTY);
    assertThat(h("a")).isEqualTo(GOLDEN_A);
    assertThat(h("user:000000000001")).isEqualTo(GOLDEN_USER1);
  }

  // Computed once from the implementation at the time the format was fixed (2026-11-23).
  static final long GOLDEN_EMPTY = 0xefd01f60ba992926L;
  static final long GOLDEN_A = 0x82a2a958a9bece5bL;
  static final long GOLDEN_USER1 = 0xc1c91cafea6ee3afL;
}

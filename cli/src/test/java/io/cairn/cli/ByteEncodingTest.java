package io.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ByteEncodingTest {
  private static final byte[] K_FF = {0x6b, (byte) 0xff};

  @Test
  void hexAndBase64RoundTripAnyBytes() {
    byte[] all = new byte[256];
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) i;
    }
    for (ByteEncoding e : new ByteEncoding[] {ByteEncoding.HEX, ByteEncoding.BASE64}) {
      assertThat(e.decode("VALUE", e.encode(all))).as(e.label()).isEqualTo(all);
    }
    assertThat(ByteEncoding.HEX.encode(K_FF)).isEqualTo("6bff");
    assertThat(ByteEncoding.BASE64.encode(K_FF)).isEqualTo("a/8=");
  }

  @Test
  void textIsUtf8AndRefusesTheReplacementCharacter() {
    assertThat(ByteEncoding.TEXT.decode("KEY", "é")).containsExactly(0xc3, 0xa9);
    assertThatThrownBy(() -> ByteEncoding.TEXT.decode("KEY", "k\uFFFD"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("KEY contains U+FFFD")
        .hasMessageContaining("--hex or --base64");
  }

  @Test
  void messagesAndJsonSpellKeysUnambiguously() {
    assertThat(ByteEncoding.TEXT.describe("user:1".getBytes())).isEqualTo("'user:1'");
    assertThat(ByteEncoding.HEX.describe(K_FF)).isEqualTo("6bff (hex)");
    assertThat(ByteEncoding.TEXT.inJson()).isEqualTo(ByteEncoding.BASE64);
    assertThat(ByteEncoding.HEX.inJson()).isEqualTo(ByteEncoding.HEX);
  }

  @Test
  void emptyInputIsTheEmptyByteString() {
    assertThat(ByteEncoding.HEX.decode("VALUE", "")).isEmpty();
    assertThat(ByteEncoding.BASE64.decode("VALUE", "")).isEmpty();
  }
}

package io.cairn.node.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.security.SecureRandom;
import java.util.Map;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class ValueCipherTest {
  private static final ByteString KEY = ByteString.copyFromUtf8("user/42");
  private static final ByteString VALUE = ByteString.copyFromUtf8("card 4111-1111-1111-1111");
  private final SecretKey one = randomKey();
  private final SecretKey two = randomKey();

  @Test
  void aSealedValueOpensAndHoldsNoPlaintext() {
    ValueCipher cipher = new ValueCipher(Map.of(1, one), 1);
    ByteString stored = cipher.seal(KEY, VALUE);
    assertThat(stored.size()).isEqualTo(VALUE.size() + ValueCipher.OVERHEAD);
    assertThat(stored.toStringUtf8()).doesNotContain("4111");
    assertThat(cipher.open(KEY, stored)).isEqualTo(VALUE);
    assertThat(cipher.seal(KEY, VALUE)).as("a fresh nonce each time").isNotEqualTo(stored);
    assertThat(cipher.open(KEY, cipher.seal(KEY, ByteString.EMPTY))).isEqualTo(ByteString.EMPTY);
  }

  @Test
  void aValueMovedToAnotherKeyOrAlteredFailsItsCheck() {
    ValueCipher cipher = new ValueCipher(Map.of(1, one), 1);
    ByteString stored = cipher.seal(KEY, VALUE);
    assertThatThrownBy(() -> cipher.open(ByteString.copyFromUtf8("user/43"), stored))
        .isInstanceOf(ValueCipher.CorruptValueException.class)
        .hasMessageContaining("fails its integrity check");
    byte[] altered = stored.toByteArray();
    altered[altered.length - 20] ^= 1;
    assertThatThrownBy(() -> cipher.open(KEY, ByteString.copyFrom(altered)))
        .isInstanceOf(ValueCipher.CorruptValueException.class);
  }

  @Test
  void rotationKeepsOldValuesReadable() {
    ByteString underOne = new ValueCipher(Map.of(1, one), 1).seal(KEY, VALUE);
    ValueCipher rotated = new ValueCipher(Map.of(1, one, 2, two), 2);
    assertThat(rotated.open(KEY, underOne)).isEqualTo(VALUE);
    ByteString underTwo = rotated.seal(KEY, VALUE);
    assertThat(underTwo.byteAt(4)).isEqualTo((byte) 2);
    assertThatThrownBy(() -> new ValueCipher(Map.of(1, one), 1).open(KEY, underTwo))
        .isInstanceOf(ValueCipher.CorruptValueException.class)
        .hasMessageContaining("at-rest key 2, which this node's at-rest.key-file lacks");
  }

  @Test
  void withoutKeysValuesPassAsWrittenAndSealedOnesAreRefused() {
    ValueCipher plain = ValueCipher.plaintext();
    assertThat(plain.seal(KEY, VALUE)).isEqualTo(VALUE);
    assertThat(plain.open(KEY, VALUE)).isEqualTo(VALUE);
    ByteString sealed = new ValueCipher(Map.of(1, one), 1).seal(KEY, VALUE);
    assertThatThrownBy(() -> plain.open(KEY, sealed))
        .hasMessageContaining("this node has no at-rest.key-file");
    // Written before encryption was turned on: returned as stored.
    assertThat(new ValueCipher(Map.of(1, one), 1).open(KEY, VALUE)).isEqualTo(VALUE);
  }

  @Test
  void keysAreCheckedWhenTheCipherIsMade() {
    assertThatThrownBy(() -> new ValueCipher(Map.of(1, one), 2))
        .hasMessageContaining("active key id 2");
    assertThatThrownBy(() -> new ValueCipher(Map.of(1, new SecretKeySpec(new byte[16], "AES")), 1))
        .hasMessageContaining("not a 256-bit AES key");
  }

  private static SecretKey randomKey() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return new SecretKeySpec(b, "AES");
  }
}

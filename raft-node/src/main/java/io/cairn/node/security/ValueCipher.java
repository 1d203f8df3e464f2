package io.cairn.node.security;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Encrypts values before they are proposed, so the Raft log, snapshots and the store hold only
 * ciphertext, and decrypts them on the way out. AES-256-GCM from the JDK, a fresh 96-bit nonce per
 * value, and the key as associated data: a stored value moved under another key fails its check
 * instead of decrypting.
 *
 * <p>Stored form: {@code "CAE" 0x01}, the key id (1 byte), the nonce (12 bytes), then the
 * ciphertext with its 16-byte tag: {@link #OVERHEAD} bytes more than the value. Values stored
 * without that prefix (written before encryption was turned on) are returned as they are. Several
 * keys can be known at once: new values use the active one, older values name theirs, which is how
 * a key is rotated (docs/security.md).
 */
public final class ValueCipher {
  private static final byte[] MAGIC = {'C', 'A', 'E', 1};
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final int HEADER_BYTES = MAGIC.length + 1 + NONCE_BYTES;

  /** How many bytes a stored value has beyond the value itself. */
  public static final int OVERHEAD = HEADER_BYTES + TAG_BITS / 8;

  private final Map<Integer, SecretKey> keys;
  private final int activeId;
  private final SecureRandom random = new SecureRandom();

  /**
   * @param keys AES-256 keys by id (1..255)
   * @param activeId the key new values are encrypted with
   */
  public ValueCipher(Map<Integer, SecretKey> keys, int activeId) {
    this(keys, activeId, false);
  }

  private ValueCipher(Map<Integer, SecretKey> keys, int activeId, boolean plaintext) {
    if (!plaintext && !keys.containsKey(activeId)) {
      throw new IllegalArgumentException(
          "the active key id " + activeId + " is not among the keys " + keys.keySet());
    }
    keys.forEach(
        (id, key) -> {
          if (id < 1 || id > 255) {
            throw new IllegalArgumentException("key ids are 1..255, got " + id);
          }
          if (key.getEncoded().length != 32 || !key.getAlgorithm().equals("AES")) {
            throw new IllegalArgumentException("key " + id + " is not a 256-bit AES key");
          }
        });
    this.keys = Map.copyOf(new TreeMap<>(keys));
    this.activeId = activeId;
  }

  /**
   * No encryption (at-rest.key-file unset): values are stored as written, and a value some other
   * node encrypted is refused rather than returned as ciphertext.
   */
  public static ValueCipher plaintext() {
    return new ValueCipher(Map.of(), 0, true);
  }

  /** The stored form of {@code value} under {@code key}. */
  public ByteString seal(ByteString key, ByteString value) {
    if (activeId == 0) {
      return value;
    }
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, keys.get(activeId), new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(key.toByteArray());
      ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + c.getOutputSize(value.size()));
      out.put(MAGIC).put((byte) activeId).put(nonce);
      c.doFinal(value.asReadOnlyByteBuffer(), out);
      out.flip();
      return ByteString.copyFrom(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available in this JDK: " + e, e);
    }
  }

  /**
   * The value {@code stored} under {@code key} holds.
   *
   * @throws CorruptValueException if it is sealed but does not open: an unknown key id (a node
   *     without the key that wrote it), or a failed check (altered, or moved from another key)
   */
  public ByteString open(ByteString key, ByteString stored) {
    if (!isSealed(stored)) {
      return stored;
    }
    int id = stored.byteAt(MAGIC.length) & 0xff;
    SecretKey k = keys.get(id);
    if (k == null && activeId == 0) {
      throw new CorruptValueException(
          "the value is encrypted at rest (key "
              + id
              + ") but this node has no at-rest.key-file; give every node the same key file");
    }
    if (k == null) {
      throw new CorruptValueException(
          "the value was encrypted with at-rest key "
              + id
              + ", which this node's at-rest.key-file lacks (it has "
              + keys.keySet()
              + "); give every node the same key file");
    }
    byte[] bytes = stored.toByteArray();
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(
          Cipher.DECRYPT_MODE,
          k,
          new GCMParameterSpec(
              TAG_BITS, Arrays.copyOfRange(bytes, MAGIC.length + 1, HEADER_BYTES)));
      c.updateAAD(key.toByteArray());
      return ByteString.copyFrom(c.doFinal(bytes, HEADER_BYTES, bytes.length - HEADER_BYTES));
    } catch (javax.crypto.AEADBadTagException e) {
      throw new CorruptValueException(
          "the stored value fails its integrity check under at-rest key "
              + id
              + ": it was altered on disk, or the key file holds another key under that id");
    } catch (GeneralSecurityException e) {
      throw new CorruptValueException("the stored value cannot be decrypted: " + e.getMessage());
    }
  }

  private static boolean isSealed(ByteString stored) {
    if (stored.size() < OVERHEAD) {
      return false;
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (stored.byteAt(i) != MAGIC[i]) {
        return false;
      }
    }
    return true;
  }

  /** A stored value that cannot be turned back into the value written. */
  public static final class CorruptValueException extends RuntimeException {
    public CorruptValueException(String message) {
      super(message);
    }
  }
}

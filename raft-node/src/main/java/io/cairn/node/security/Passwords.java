package io.cairn.node.security;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * Password hashes: bcrypt (Bouncy Castle's OpenBSD-compatible implementation), a fresh 16-byte salt
 * per password, cost {@link #COST} (about 2^10 rounds of Blowfish key setup: tens of milliseconds
 * per check, which is the point, so it runs off the transport threads).
 */
public final class Passwords {
  static final int COST = 10;

  /** bcrypt reads at most 72 bytes; a longer password would be cut without a word. */
  public static final int BYTES_MAX = 72;

  private static final SecureRandom RANDOM = new SecureRandom();

  // Checked against when the user does not exist, so a wrong name takes as long as a wrong
  // password.
  private static final String DUMMY = hash("no such user: the time of a real check");

  private Passwords() {}

  /**
   * @throws IllegalArgumentException if the password is empty or longer than 72 bytes
   */
  public static String hash(String password) {
    int bytes = password.getBytes(StandardCharsets.UTF_8).length;
    if (bytes == 0 || bytes > BYTES_MAX) {
      throw new IllegalArgumentException(
          "a password is 1 to " + BYTES_MAX + " bytes (UTF-8), this one is " + bytes);
    }
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    return OpenBSDBCrypt.generate("2b", password.toCharArray(), salt, COST);
  }

  /**
   * Whether {@code password} matches {@code storedHash}; null stored hash: a user that does not
   * exist.
   */
  public static boolean matches(String storedHash, String password) {
    if (password.isEmpty() || password.getBytes(StandardCharsets.UTF_8).length > BYTES_MAX) {
      OpenBSDBCrypt.checkPassword(DUMMY, "x".toCharArray());
      return false;
    }
    if (storedHash == null) {
      OpenBSDBCrypt.checkPassword(DUMMY, password.toCharArray());
      return false;
    }
    return OpenBSDBCrypt.checkPassword(storedHash, password.toCharArray());
  }
}

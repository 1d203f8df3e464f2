package io.cairn.node.security;

import io.cairn.node.config.NodeConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Bearer tokens: a user's name and an expiry, signed with HMAC-SHA256 by a key every node holds
 * (auth.token-key-file), so any node accepts a token another issued without asking anyone.
 *
 * <p>Form: {@code ct1.KEYID.BASE64URL(user).TAG.EPOCH.EXPIRES_MS.BASE64URL(nonce).BASE64URL(mac)},
 * the MAC over everything before its dot. TAG is a digest of the user's stored password hash when
 * the token was issued: after a password change it no longer matches, and the token is refused.
 * EPOCH is the shard-map epoch in which the issuing node knew the user that way: a node whose map
 * is older can tell "not yet" (retry) from "deleted or changed" (refuse). New tokens are signed
 * with the highest key id in the file; every key in it is accepted, so a key is rotated by adding a
 * new one to every node's file, waiting a token lifetime, then removing the old one. A token names
 * a user, not its rights: the roles are looked up at every call, so a change to them applies at
 * once, and a deleted user's tokens stop working. Expiry is judged by each node's wall clock, so
 * nodes' clocks must agree to well within a token's lifetime.
 */
public final class Tokens {
  /** A token longer than this is refused unread. */
  static final int CHARS_MAX = 512;

  private static final String VERSION = "ct1";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();

  private final TreeMap<Integer, SecretKey> keys;
  private final long ttlMs;

  /** An issued token and the wall-clock time after which it is refused. */
  public record Issued(String token, long expiresAtMs) {}

  /**
   * What a valid token says: its user, the user's credential tag and the map epoch in which the
   * issuer knew them, and when it expires.
   */
  public record Verified(String user, String credentialTag, long mapEpoch, long expiresAtMs) {}

  Tokens(TreeMap<Integer, SecretKey> keys, long ttlMs) {
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("tokens need at least one key");
    }
    this.keys = new TreeMap<>();
    keys.forEach((id, k) -> this.keys.put(id, new SecretKeySpec(k.getEncoded(), "HmacSHA256")));
    this.ttlMs = ttlMs;
  }

  /** The tokens {@code auth} configures; empty when it names no key file. */
  public static Optional<Tokens> load(NodeConfig.Auth auth) throws IOException {
    if (auth.tokenKeyFile() == null) {
      return Optional.empty();
    }
    return Optional.of(new Tokens(AtRestKeys.parse(auth.tokenKeyFile()), auth.tokenTtlMs()));
  }

  public Issued issue(String user, String credentialTag, long mapEpoch, long nowMs) {
    Map.Entry<Integer, SecretKey> key = keys.lastEntry();
    long expires = nowMs + ttlMs;
    byte[] nonce = new byte[12];
    RANDOM.nextBytes(nonce);
    String body =
        VERSION
            + "."
            + key.getKey()
            + "."
            + B64.encodeToString(user.getBytes(StandardCharsets.UTF_8))
            + "."
            + credentialTag
            + "."
            + mapEpoch
            + "."
            + expires
            + "."
            + B64.encodeToString(nonce);
    return new Issued(body + "." + B64.encodeToString(mac(key.getValue(), body)), expires);
  }

  /** What a valid, unexpired token says; empty for anything else (never an exception). */
  public Optional<Verified> verify(String token, long nowMs) {
    if (token.length() > CHARS_MAX) {
      return Optional.empty();
    }
    String[] parts = token.split("\\.", -1);
    if (parts.length != 8 || !parts[0].equals(VERSION)) {
      return Optional.empty();
    }
    try {
      SecretKey key = keys.get(Integer.parseInt(parts[1]));
      if (key == null) {
        return Optional.empty();
      }
      String body = token.substring(0, token.lastIndexOf('.'));
      if (!MessageDigest.isEqual(mac(key, body), B64D.decode(parts[7]))) {
        return Optional.empty();
      }
      long expires = Long.parseLong(parts[5]);
      if (expires <= nowMs) {
        return Optional.empty();
      }
      return Optional.of(
          new Verified(
              new String(B64D.decode(parts[2]), StandardCharsets.UTF_8),
              parts[3],
              Long.parseLong(parts[4]),
              expires));
    } catch (IllegalArgumentException e) { // a number or base64 that does not parse
      return Optional.empty();
    }
  }

  private static byte[] mac(SecretKey key, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac.doFinal(body.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}

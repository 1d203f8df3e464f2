package io.cairn.node.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.TreeMap;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class TokensTest {
  private static SecretKey key(int fill) {
    byte[] b = new byte[32];
    java.util.Arrays.fill(b, (byte) fill);
    return new SecretKeySpec(b, "AES");
  }

  private static Tokens tokens(int... fills) {
    TreeMap<Integer, SecretKey> keys = new TreeMap<>();
    for (int i = 0; i < fills.length; i++) {
      keys.put(i + 1, key(fills[i]));
    }
    return new Tokens(keys, 60_000);
  }

  @Test
  void aTokenNamesItsUserUntilItExpires() {
    Tokens t = tokens(7);
    Tokens.Issued issued = t.issue("alice", "tag1", 5, 1_000);

    assertThat(issued.expiresAtMs()).isEqualTo(61_000);
    assertThat(t.verify(issued.token(), 1_000))
        .contains(new Tokens.Verified("alice", "tag1", 5, 61_000));
    assertThat(t.verify(issued.token(), 60_999))
        .contains(new Tokens.Verified("alice", "tag1", 5, 61_000));
    assertThat(t.verify(issued.token(), 61_000)).isEmpty();
  }

  @Test
  void aChangedTokenOrAnotherClustersIsRefused() {
    Tokens t = tokens(7);
    String token = t.issue("alice", "tag1", 5, 0).token();
    String[] parts = token.split("\\.");
    String asBob =
        replaced(
            parts, 2, Base64.getUrlEncoder().withoutPadding().encodeToString("bob".getBytes()));
    String otherTag = replaced(parts, 3, "tag2");
    String laterEpoch = replaced(parts, 4, "99");
    String longer = replaced(parts, 5, "99999999999999");

    assertThat(t.verify(asBob, 0)).isEmpty();
    assertThat(t.verify(longer, 0)).isEmpty();
    assertThat(t.verify(laterEpoch, 0)).isEmpty();
    assertThat(t.verify(otherTag, 0)).isEmpty();
    assertThat(tokens(8).verify(token, 0)).as("signed with another key").isEmpty();
    for (String junk :
        new String[] {"", "ct1", "a.b.c.d.e.f.g.h", "ct1.x.y.z.w.v.u.t", "x".repeat(600)}) {
      assertThat(t.verify(junk, 0)).as(junk).isEmpty();
    }
  }

  private static String replaced(String[] parts, int i, String with) {
    String[] copy = parts.clone();
    copy[i] = with;
    return String.join(".", copy);
  }

  @Test
  void newTokensUseTheHighestKeyAndOlderKeysStillVerify() {
    Tokens before = tokens(7);
    Tokens during = tokens(7, 9); // key 2 added to the file
    String old = before.issue("alice", "tag1", 1, 0).token();
    String fresh = during.issue("alice", "tag1", 1, 0).token();

    assertThat(fresh.split("\\.")[1]).isEqualTo("2");
    assertThat(during.verify(old, 0)).contains(new Tokens.Verified("alice", "tag1", 1, 60_000));
    assertThat(before.verify(fresh, 0)).as("a node without key 2 yet").isEmpty();
  }

  @Test
  void passwordsAreBcryptHashedWithTheirOwnSalt() {
    String a = Passwords.hash("correct horse");
    String b = Passwords.hash("correct horse");

    assertThat(a).startsWith("$2b$10$").isNotEqualTo(b);
    assertThat(Passwords.matches(a, "correct horse")).isTrue();
    assertThat(Passwords.matches(a, "correct horsE")).isFalse();
    assertThat(Passwords.matches(null, "correct horse")).as("no such user").isFalse();
    assertThat(Passwords.matches(a, "")).isFalse();
    assertThatThrownBy(() -> Passwords.hash("")).hasMessageContaining("1 to 72 bytes");
    assertThatThrownBy(() -> Passwords.hash("x".repeat(73))).hasMessageContaining("1 to 72 bytes");
  }
}

package io.cairn.statemachine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cairn.proto.Access;
import io.cairn.proto.AuthTable;
import io.cairn.proto.Permission;
import io.cairn.proto.Role;
import io.cairn.proto.User;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Users and roles: the edits, the rules every stored table keeps, and the checks per key. */
class AuthTableTest {
  // A well-formed bcrypt hash (cost 10); its password does not matter here.
  static final String HASH = "$2b$10$" + "a".repeat(53);

  static Role role(String name, String prefix, Access access) {
    return Role.newBuilder()
        .setName(name)
        .addPermissions(
            Permission.newBuilder().setKeyPrefix(ByteString.copyFromUtf8(prefix)).setAccess(access))
        .build();
  }

  static User user(String name, String... roles) {
    return User.newBuilder()
        .setName(name)
        .setPasswordHash(HASH)
        .addAllRoles(java.util.List.of(roles))
        .build();
  }

  private static io.cairn.proto.NodeInfo node(String id) {
    return io.cairn.proto.NodeInfo.newBuilder()
        .setId(id)
        .setHost("10.0.0." + id.substring(1))
        .setRaftPort(7000)
        .setClientPort(7001)
        .setHttpPort(7002)
        .build();
  }

  private static byte[] key(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aRoleGrantsReadOrWriteOnTheKeysUnderItsPrefix() {
    AuthTable t = AuthTable.getDefaultInstance();
    t = AuthEdits.putRole(t, role("orders-rw", "orders/", Access.READ_WRITE));
    t = AuthEdits.putRole(t, role("audit-r", "audit/", Access.READ));
    t = AuthEdits.putUser(t, user("alice", "orders-rw", "audit-r"));
    AccessRules.Grants alice = new AccessRules(t).of("alice").orElseThrow();

    assertThat(alice.allows(key("orders/1"), Access.READ_WRITE)).isTrue();
    assertThat(alice.allows(key("orders/1"), Access.READ)).isTrue();
    assertThat(alice.allows(key("audit/1"), Access.READ)).isTrue();
    assertThat(alice.allows(key("audit/1"), Access.READ_WRITE)).isFalse();
    assertThat(alice.allows(key("orders"), Access.READ)).isFalse(); // shorter than the prefix
    assertThat(alice.allows(key("users/1"), Access.READ)).isFalse();
    assertThat(alice.isRoot()).isFalse();
    assertThat(new AccessRules(t).of("bob")).isEmpty();
  }

  @Test
  void rootMayDoEverythingAndAnEmptyPrefixCoversEveryKey() {
    AuthTable t = AuthEdits.putRole(AuthTable.getDefaultInstance(), role("all-r", "", Access.READ));
    t = AuthEdits.putUser(t, user("admin", "root"));
    t = AuthEdits.putUser(t, user("reader", "all-r"));
    AccessRules rules = new AccessRules(t);

    assertThat(rules.of("admin").orElseThrow().isRoot()).isTrue();
    assertThat(rules.of("admin").orElseThrow().allows(key("x"), Access.READ_WRITE)).isTrue();
    assertThat(rules.of("reader").orElseThrow().allows(key("anything"), Access.READ)).isTrue();
    assertThat(rules.of("reader").orElseThrow().allows(key("anything"), Access.READ_WRITE))
        .isFalse();
  }

  @Test
  void deletingARoleTakesItFromItsUsers() {
    AuthTable t =
        AuthEdits.putRole(AuthTable.getDefaultInstance(), role("w", "a/", Access.READ_WRITE));
    t = AuthEdits.putUser(t, user("alice", "w"));
    t = AuthEdits.deleteRole(t, "w");

    assertThat(t.getRolesList()).isEmpty();
    assertThat(t.getUsers(0).getRolesList()).isEmpty();
    assertThat(new AccessRules(t).of("alice").orElseThrow().allows(key("a/1"), Access.READ))
        .isFalse();
  }

  @Test
  void anEmptyPasswordKeepsTheOldHashButANewUserNeedsOne() {
    AuthTable t =
        AuthEdits.putUser(
            AuthEdits.putUser(AuthTable.getDefaultInstance(), user("alice")),
            User.newBuilder().setName("alice").addRoles("root").build());

    assertThat(t.getUsers(0).getPasswordHash()).isEqualTo(HASH);
    assertThat(t.getUsers(0).getRolesList()).containsExactly("root");
    assertThatThrownBy(() -> AuthEdits.putUser(t, User.newBuilder().setName("bob").build()))
        .hasMessageContaining("give it a password");
  }

  @Test
  void whatNoStoredTableMayHold() {
    AuthTable empty = AuthTable.getDefaultInstance();
    assertThatThrownBy(
            () ->
                AuthEdits.putUser(
                    empty, User.newBuilder().setName("alice").setPasswordHash("hunter2").build()))
        .hasMessageContaining("bcrypt hash");
    assertThatThrownBy(() -> AuthEdits.putUser(empty, user("alice", "ghost")))
        .hasMessageContaining("'ghost', which does not exist");
    assertThatThrownBy(() -> AuthEdits.putRole(empty, role("root", "", Access.READ)))
        .hasMessageContaining("built in");
    assertThatThrownBy(() -> AuthEdits.deleteRole(empty, "root")).hasMessageContaining("built in");
    assertThatThrownBy(() -> AuthEdits.putUser(empty, user("al ice")))
        .hasMessageContaining("name is 1 to 64");
    assertThatThrownBy(
            () ->
                AuthEdits.putRole(
                    empty,
                    Role.newBuilder()
                        .setName("r")
                        .addPermissions(Permission.newBuilder().setKeyPrefix(ByteString.EMPTY))
                        .build()))
        .hasMessageContaining("READ or READ_WRITE");
    assertThatThrownBy(() -> AuthEdits.deleteUser(empty, "nobody"))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(
            () ->
                AuthRules.check(
                    AuthTable.newBuilder().addUsers(user("a")).addUsers(user("a")).build()))
        .hasMessageContaining("defined twice");
  }

  @Test
  void aMapWhoseUsersBreakTheRulesIsRefusedAtTheMetaGroup() {
    var map =
        ShardPlacement.initialMap(
            "c1", java.util.List.of(node("n1"), node("n2"), node("n3")), 2, 3, 16);
    var forged =
        map.toBuilder()
            .setEpoch(map.getEpoch() + 1)
            .setAuth(
                AuthTable.newBuilder()
                    .addUsers(
                        User.newBuilder().setName("mallory").setPasswordHash("x").addRoles("root")))
            .build();

    assertThatThrownBy(() -> MapChangeCheck.check(Optional.of(map), forged))
        .hasMessageContaining("users and roles")
        .hasMessageContaining("bcrypt");
    MapChangeCheck.check(
        Optional.of(map),
        map.toBuilder()
            .setEpoch(map.getEpoch() + 1)
            .setAuth(AuthEdits.putUser(AuthTable.getDefaultInstance(), user("admin", "root")))
            .build());
  }

  @Test
  void callerTextIsEscapedAndCut() {
    assertThat(Escaping.printable("ok-name")).isEqualTo("ok-name");
    assertThat(Escaping.printable("a\nb\u001b[31m")).isEqualTo("a\\u000ab\\u001b[31m");
    assertThat(Escaping.printable("x".repeat(500)))
        .startsWith("x".repeat(80))
        .endsWith("(500 chars)");
  }
}

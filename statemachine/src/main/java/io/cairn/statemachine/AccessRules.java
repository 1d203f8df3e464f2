package io.cairn.statemachine;

import io.cairn.proto.Access;
import io.cairn.proto.AuthTable;
import io.cairn.proto.Permission;
import io.cairn.proto.Role;
import io.cairn.proto.User;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Who may do what, indexed from one {@link AuthTable} for the checks every request makes: a user
 * may read a key when one of its roles grants READ or READ_WRITE on a prefix of it, and write it
 * when one grants READ_WRITE; a user with the role {@code root} may do everything. Immutable, so a
 * node builds one per map and shares it between threads. Pure.
 */
public final class AccessRules {
  /** One user's grants, all its roles' permissions together. */
  public static final class Grants {
    private final boolean root;
    private final List<Grant> permissions;

    private Grants(boolean root, List<Grant> permissions) {
      this.root = root;
      this.permissions = permissions;
    }

    public boolean isRoot() {
      return root;
    }

    public boolean allows(byte[] key, Access need) {
      if (root) {
        return true;
      }
      for (Grant g : permissions) {
        if ((need == Access.READ || g.write()) && startsWith(key, g.prefix())) {
          return true;
        }
      }
      return false;
    }
  }

  /** A permission with its prefix unpacked once, as every request compares against it. */
  private record Grant(byte[] prefix, boolean write) {}

  private final Map<String, User> users = new HashMap<>();
  private final Map<String, String> credentialTags = new HashMap<>();
  private final Map<String, Grants> grants = new HashMap<>();

  public AccessRules(AuthTable table) {
    Map<String, Role> roles = new HashMap<>();
    table.getRolesList().forEach(r -> roles.put(r.getName(), r));
    for (User u : table.getUsersList()) {
      users.put(u.getName(), u);
      credentialTags.put(u.getName(), credentialTagOf(u.getPasswordHash()));
      boolean root = false;
      List<Grant> ps = new ArrayList<>();
      for (String r : u.getRolesList()) {
        if (r.equals(AuthRules.ROOT_ROLE)) {
          root = true;
        } else if (roles.containsKey(r)) {
          for (Permission p : roles.get(r).getPermissionsList()) {
            ps.add(new Grant(p.getKeyPrefix().toByteArray(), p.getAccess() == Access.READ_WRITE));
          }
        }
      }
      grants.put(u.getName(), new Grants(root, List.copyOf(ps)));
    }
  }

  /** The user's grants, or empty if no such user exists (any more). */
  public Optional<Grants> of(String user) {
    return Optional.ofNullable(grants.get(user));
  }

  /** The stored user, for checking a password. */
  public Optional<User> user(String name) {
    return Optional.ofNullable(users.get(name));
  }

  /**
   * A short digest of the user's stored password hash, which tokens carry: a token issued before a
   * password change no longer matches, so changing a password ends the sessions logged in with the
   * old one. Empty if no such user exists.
   */
  public Optional<String> credentialTag(String user) {
    return Optional.ofNullable(credentialTags.get(user));
  }

  /** The credential tag of a stored password hash (see {@link #credentialTag}). */
  public static String credentialTagOf(String passwordHash) {
    return java.util.Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(java.util.Arrays.copyOf(sha256(passwordHash), 9));
  }

  /**
   * The prefix a user's client ids get where its writes enter the cluster, so that its write
   * sessions are its own: another user sending the same client id lands in another session.
   */
  public static com.google.protobuf.ByteString sessionScopeOf(String user) {
    return com.google.protobuf.ByteString.copyFrom(sha256("cairn-user:" + user), 0, 8);
  }

  private static byte[] sha256(String text) {
    try {
      return java.security.MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  private static boolean startsWith(byte[] key, byte[] prefix) {
    if (prefix.length > key.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (key[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }
}

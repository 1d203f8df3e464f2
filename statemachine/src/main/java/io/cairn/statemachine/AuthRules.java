package io.cairn.statemachine;

import io.cairn.proto.Access;
import io.cairn.proto.AuthTable;
import io.cairn.proto.Permission;
import io.cairn.proto.Role;
import io.cairn.proto.User;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a table of users and roles must look like to get into the shard map: the meta group's leader
 * checks it in every proposed map (MapChangeCheck), so a raw entry cannot smuggle in a user with a
 * plaintext password, a role that does not exist, or a table too big to check per request. Pure.
 */
public final class AuthRules {
  /** The built-in role that may do everything; it cannot be defined or deleted. */
  public static final String ROOT_ROLE = "root";

  static final int USERS_MAX = 10_000;
  static final int ROLES_MAX = 1_000;
  static final int PERMISSIONS_PER_ROLE_MAX = 100;
  static final int ROLES_PER_USER_MAX = 100;
  static final int PREFIX_BYTES_MAX = 65_536;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.@-]{1,64}");
  // What OpenBSD-style bcrypt produces: $2a$, $2b$ or $2y$, a two-digit cost, 53 base-64 chars.
  private static final Pattern BCRYPT =
      Pattern.compile("\\$2[aby]\\$(0[4-9]|[12][0-9]|3[01])\\$[./A-Za-z0-9]{53}");

  private AuthRules() {}

  /**
   * @throws IllegalArgumentException naming the first rule {@code table} breaks
   */
  public static void check(AuthTable table) {
    if (table.getUsersCount() > USERS_MAX || table.getRolesCount() > ROLES_MAX) {
      throw new IllegalArgumentException(
          "at most " + USERS_MAX + " users and " + ROLES_MAX + " roles");
    }
    Set<String> roles = new HashSet<>();
    for (Role r : table.getRolesList()) {
      checkRole(r);
      if (!roles.add(r.getName())) {
        throw new IllegalArgumentException("role '" + r.getName() + "' is defined twice");
      }
    }
    Set<String> users = new HashSet<>();
    for (User u : table.getUsersList()) {
      checkName("user", u.getName());
      if (!users.add(u.getName())) {
        throw new IllegalArgumentException("user '" + u.getName() + "' is defined twice");
      }
      if (!BCRYPT.matcher(u.getPasswordHash()).matches()) {
        throw new IllegalArgumentException(
            "user '" + u.getName() + "': the password must be stored as a bcrypt hash");
      }
      if (u.getRolesCount() > ROLES_PER_USER_MAX) {
        throw new IllegalArgumentException(
            "user '" + u.getName() + "' has more than " + ROLES_PER_USER_MAX + " roles");
      }
      for (String role : u.getRolesList()) {
        if (!role.equals(ROOT_ROLE) && !roles.contains(role)) {
          throw new IllegalArgumentException(
              "user '" + u.getName() + "' has role '" + role + "', which does not exist");
        }
      }
    }
  }

  /**
   * @throws IllegalArgumentException naming the first rule {@code role} breaks
   */
  public static void checkRole(Role role) {
    checkName("role", role.getName());
    if (role.getName().equals(ROOT_ROLE)) {
      throw new IllegalArgumentException("role 'root' is built in: it cannot be defined");
    }
    if (role.getPermissionsCount() > PERMISSIONS_PER_ROLE_MAX) {
      throw new IllegalArgumentException(
          "role '"
              + role.getName()
              + "' has more than "
              + PERMISSIONS_PER_ROLE_MAX
              + " permissions");
    }
    for (Permission p : role.getPermissionsList()) {
      if (p.getAccess() != Access.READ && p.getAccess() != Access.READ_WRITE) {
        throw new IllegalArgumentException(
            "role '" + role.getName() + "': a permission's access must be READ or READ_WRITE");
      }
      if (p.getKeyPrefix().size() > PREFIX_BYTES_MAX) {
        throw new IllegalArgumentException(
            "role '"
                + role.getName()
                + "': a key prefix is at most "
                + PREFIX_BYTES_MAX
                + " bytes");
      }
    }
  }

  /**
   * @throws IllegalArgumentException if {@code name} is not 1-64 of [A-Za-z0-9_.@-]
   */
  public static void checkName(String what, String name) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "a "
              + what
              + " name is 1 to 64 of the characters A-Z a-z 0-9 _ . @ -, not '"
              + Escaping.printable(name)
              + "'");
    }
  }
}

package io.cairn.statemachine;

import io.cairn.proto.AuthTable;
import io.cairn.proto.Role;
import io.cairn.proto.User;

/**
 * The changes an operator makes to users and roles, as edits of the table held in the shard map.
 * Each returns the whole new table, checked ({@link AuthRules}), or throws IllegalArgumentException
 * (the change is refused as asked) or IllegalStateException (it does not fit the table as it
 * stands). Pure.
 */
public final class AuthEdits {
  private AuthEdits() {}

  /**
   * Creates {@code user} or replaces the one of its name; an empty password hash keeps the existing
   * user's.
   */
  public static AuthTable putUser(AuthTable table, User user) {
    AuthRules.checkName("user", user.getName());
    AuthTable.Builder b = table.toBuilder().clearUsers();
    boolean replaced = false;
    for (User u : table.getUsersList()) {
      if (u.getName().equals(user.getName())) {
        User next =
            user.getPasswordHash().isEmpty()
                ? user.toBuilder().setPasswordHash(u.getPasswordHash()).build()
                : user;
        b.addUsers(next);
        replaced = true;
      } else {
        b.addUsers(u);
      }
    }
    if (!replaced) {
      if (user.getPasswordHash().isEmpty()) {
        throw new IllegalArgumentException(
            "user '" + user.getName() + "' does not exist yet: give it a password");
      }
      b.addUsers(user);
    }
    return checked(b.build());
  }

  public static AuthTable deleteUser(AuthTable table, String name) {
    AuthTable.Builder b = table.toBuilder().clearUsers();
    table.getUsersList().stream().filter(u -> !u.getName().equals(name)).forEach(b::addUsers);
    if (b.getUsersCount() == table.getUsersCount()) {
      throw new IllegalStateException("user '" + Escaping.printable(name) + "' does not exist");
    }
    return checked(b.build());
  }

  /** Creates {@code role} or replaces the permissions of the one of its name. */
  public static AuthTable putRole(AuthTable table, Role role) {
    AuthRules.checkRole(role);
    AuthTable.Builder b = table.toBuilder().clearRoles();
    boolean replaced = false;
    for (Role r : table.getRolesList()) {
      if (r.getName().equals(role.getName())) {
        b.addRoles(role);
        replaced = true;
      } else {
        b.addRoles(r);
      }
    }
    if (!replaced) {
      b.addRoles(role);
    }
    return checked(b.build());
  }

  /** Deletes the role and takes it from every user that had it. */
  public static AuthTable deleteRole(AuthTable table, String name) {
    if (name.equals(AuthRules.ROOT_ROLE)) {
      throw new IllegalArgumentException("role 'root' is built in: it cannot be deleted");
    }
    AuthTable.Builder b = table.toBuilder().clearRoles().clearUsers();
    table.getRolesList().stream().filter(r -> !r.getName().equals(name)).forEach(b::addRoles);
    if (b.getRolesCount() == table.getRolesCount()) {
      throw new IllegalStateException("role '" + Escaping.printable(name) + "' does not exist");
    }
    for (User u : table.getUsersList()) {
      User.Builder ub = u.toBuilder().clearRoles();
      u.getRolesList().stream().filter(r -> !r.equals(name)).forEach(ub::addRoles);
      b.addUsers(ub);
    }
    return checked(b.build());
  }

  private static AuthTable checked(AuthTable table) {
    AuthRules.check(table);
    return table;
  }
}

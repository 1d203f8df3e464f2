package io.cairn.cli;

import com.google.protobuf.ByteString;
import io.cairn.client.BlockingCairnClient;
import io.cairn.proto.Access;
import io.cairn.proto.AuthListing;
import io.cairn.proto.Permission;
import io.cairn.proto.Role;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
    name = "role",
    mixinStandardHelpOptions = true,
    description = {
      "Roles: which keys their users may read or write, by key prefix (an empty prefix: every"
          + " key). The role root is built in and may do everything."
    },
    subcommands = {RoleCommand.Put.class, RoleCommand.Delete.class, RoleCommand.ListRoles.class})
final class RoleCommand implements Callable<Integer> {
  @ParentCommand CairnCtl ctl;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }

  @Command(
      name = "put",
      mixinStandardHelpOptions = true,
      description = "Creates role NAME, or replaces its permissions with the ones given.")
  static final class Put implements Callable<Integer> {
    @ParentCommand RoleCommand role;

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "1-64 of A-Z a-z 0-9 _ . @ -")
    String name;

    @Option(
        names = "--read",
        paramLabel = "PREFIX",
        description = "Its users may read keys starting with PREFIX (UTF-8; repeat for more).")
    List<String> read = new ArrayList<>();

    @Option(
        names = "--readwrite",
        paramLabel = "PREFIX",
        description = "Its users may read and write keys starting with PREFIX (repeat for more).")
    List<String> readWrite = new ArrayList<>();

    @Override
    public Integer call() {
      Role.Builder r = Role.newBuilder().setName(name);
      read.forEach(p -> r.addPermissions(permission(p, Access.READ)));
      readWrite.forEach(p -> r.addPermissions(permission(p, Access.READ_WRITE)));
      try (BlockingCairnClient client = role.ctl.openBlockingClient(spec)) {
        UserCommand.printChange(
            role.ctl,
            spec,
            "role " + name + ": put with " + r.getPermissionsCount() + " permissions",
            "role",
            name,
            client.putRole(r.build()));
        return ExitCodes.OK;
      }
    }

    private static Permission permission(String prefix, Access access) {
      return Permission.newBuilder()
          .setKeyPrefix(ByteString.copyFrom(prefix, StandardCharsets.UTF_8))
          .setAccess(access)
          .build();
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = "Deletes role NAME and takes it from every user that had it.")
  static final class Delete implements Callable<Integer> {
    @ParentCommand RoleCommand role;

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      try (BlockingCairnClient client = role.ctl.openBlockingClient(spec)) {
        UserCommand.printChange(
            role.ctl, spec, "role " + name + ": deleted", "role", name, client.deleteRole(name));
        return ExitCodes.OK;
      }
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Lists the roles and their permissions.")
  static final class ListRoles implements Callable<Integer> {
    @ParentCommand RoleCommand role;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      try (BlockingCairnClient client = role.ctl.openBlockingClient(spec)) {
        AuthListing listing = client.listAuth();
        PrintWriter out = spec.commandLine().getOut();
        if (role.ctl.output() == OutputFormat.JSON) {
          JsonOutput.print(out, listing.toBuilder().clearUsers().build());
        } else {
          for (Role r : listing.getRolesList()) {
            List<String> grants = new ArrayList<>();
            for (Permission p : r.getPermissionsList()) {
              grants.add(
                  (p.getAccess() == Access.READ ? "read " : "readwrite ")
                      + "'"
                      + p.getKeyPrefix().toStringUtf8()
                      + "'");
            }
            out.println(r.getName() + "\t" + String.join(", ", grants));
          }
        }
        return ExitCodes.OK;
      }
    }
  }
}

package io.cairn.cli;

import io.cairn.client.BlockingCairnClient;
import io.cairn.proto.AuthChange;
import io.cairn.proto.AuthListing;
import io.cairn.proto.UserListing;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
    name = "user",
    mixinStandardHelpOptions = true,
    description = {
      "Users of the cluster: who may call it once auth is on (auth.enabled=true).",
      "A user may read and write the keys its roles grant (cairnctl role); the built-in role root"
          + " may do everything. Changes need root once auth is on; before, anyone may make them"
          + " (create a root user first, then turn auth on)."
    },
    subcommands = {UserCommand.Put.class, UserCommand.Delete.class, UserCommand.ListUsers.class})
final class UserCommand implements Callable<Integer> {
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
      description =
          "Creates user NAME, or replaces its roles (and its password unless --keep-password).")
  static final class Put implements Callable<Integer> {
    @ParentCommand UserCommand user;

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "1-64 of A-Z a-z 0-9 _ . @ -")
    String name;

    @Option(
        names = "--role",
        paramLabel = "ROLE",
        description = "A role it has (repeat for more; root: everything). None: no access.")
    List<String> roles = new ArrayList<>();

    @Option(
        names = "--password-stdin",
        description = "Read the password from the first line of standard input (1-72 bytes).")
    boolean passwordStdin;

    @Option(names = "--keep-password", description = "Change only the roles of an existing user.")
    boolean keepPassword;

    @Override
    public Integer call() throws IOException {
      if (passwordStdin == keepPassword) {
        throw new ParameterException(
            spec.commandLine(), "give exactly one of --password-stdin and --keep-password");
      }
      String password = keepPassword ? "" : firstLine(user.ctl);
      try (BlockingCairnClient client = user.ctl.openBlockingClient(spec)) {
        AuthChange r = client.putUser(name, password, roles);
        printChange(user.ctl, spec, "user " + name + ": put with roles " + roles, "user", name, r);
        return ExitCodes.OK;
      }
    }

    private String firstLine(CairnCtl ctl) throws IOException {
      BufferedReader in =
          new BufferedReader(new InputStreamReader(ctl.streams().in(), StandardCharsets.UTF_8));
      String line = in.readLine();
      if (line == null || line.isEmpty()) {
        throw new ParameterException(
            spec.commandLine(), "--password-stdin: standard input holds no password line");
      }
      return line;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Deletes user NAME.")
  static final class Delete implements Callable<Integer> {
    @ParentCommand UserCommand user;

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      try (BlockingCairnClient client = user.ctl.openBlockingClient(spec)) {
        printChange(
            user.ctl, spec, "user " + name + ": deleted", "user", name, client.deleteUser(name));
        return ExitCodes.OK;
      }
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Lists the users and their roles (never passwords).")
  static final class ListUsers implements Callable<Integer> {
    @ParentCommand UserCommand user;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      try (BlockingCairnClient client = user.ctl.openBlockingClient(spec)) {
        AuthListing listing = client.listAuth();
        PrintWriter out = spec.commandLine().getOut();
        if (user.ctl.output() == OutputFormat.JSON) {
          JsonOutput.print(out, listing.toBuilder().clearRoles().build());
        } else {
          for (UserListing u : listing.getUsersList()) {
            out.println(u.getName() + "\t" + String.join(",", u.getRolesList()));
          }
          if (!listing.getEnforced()) {
            out.println("(auth is off on the node that answered: these are not enforced)");
          }
        }
        return ExitCodes.OK;
      }
    }
  }

  static void printChange(
      CairnCtl ctl, CommandSpec spec, String text, String kind, String name, AuthChange r) {
    PrintWriter out = spec.commandLine().getOut();
    if (ctl.output() == OutputFormat.JSON) {
      JsonOutput.print(
          out,
          json -> {
            json.name(kind).value(name);
            json.name("map_epoch").value(r.getMapEpoch());
          });
    } else {
      out.println(text + " (map epoch " + r.getMapEpoch() + ")");
    }
  }
}

package io.cairn.cli;

import io.cairn.cli.certs.CertificateAuthority;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(
    name = "certs",
    mixinStandardHelpOptions = true,
    description = {
      "Makes certificate authorities and the certificates they sign (docs/security.md): the"
          + " cluster CA's prove a node is a member (mutual TLS on the Raft port; the client port"
          + " serves them too), a client CA's prove who a client is (client-tls.client-ca-file).",
      "Works on local files only; it talks to no cluster."
    },
    subcommands = {CertsCommand.Ca.class, CertsCommand.Node.class, CertsCommand.Client.class})
final class CertsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }

  @Command(
      name = "ca",
      mixinStandardHelpOptions = true,
      description = {
        "Creates a CA in DIR: ca.pem (give it to every node) and ca.key (owner-only; whoever holds"
            + " it can mint member certificates, so keep it off the nodes).",
        "Refuses (exit 7) when DIR already holds a CA: a new CA would lock out every node whose"
            + " certificate the old one signed."
      })
  static final class Ca implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Where to write.")
    Path dir;

    @Option(
        names = "--cluster",
        defaultValue = "cairn",
        paramLabel = "NAME",
        description = "Named in the CA's subject (default ${DEFAULT-VALUE}).")
    String cluster;

    @Option(
        names = "--days",
        defaultValue = "3650",
        paramLabel = "N",
        description = "Validity in days (default ${DEFAULT-VALUE}).")
    int days;

    @Override
    public Integer call() {
      requirePositive(spec, days);
      var err = spec.commandLine().getErr();
      if (Files.exists(dir.resolve("ca.pem")) || Files.exists(dir.resolve("ca.key"))) {
        err.println(
            ExitCodes.prefix("certs ca")
                + dir
                + " already holds a CA; issue node certificates from it with 'cairnctl certs node"
                + " --dir "
                + dir
                + "', or choose another directory");
        return ExitCodes.REFUSED;
      }
      try {
        CertificateAuthority.create(cluster, Duration.ofDays(days), Clock.systemUTC()).save(dir);
      } catch (IOException | RuntimeException e) {
        return failed(err, "certs ca", e);
      }
      spec.commandLine().getOut().println("created CA in " + dir + ": ca.pem, ca.key");
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "node",
      mixinStandardHelpOptions = true,
      description = {
        "Issues a member certificate signed by the CA in DIR: ID.pem and ID.key (owner-only), for"
            + " the node's peer-tls.cert-file and peer-tls.key-file. It serves and connects (TLS"
            + " server and client use), and names every --host the node is dialled at."
      })
  static final class Node implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--dir",
        required = true,
        paramLabel = "DIR",
        description = "The CA's directory (ca.pem, ca.key).")
    Path dir;

    @Option(
        names = "--out",
        paramLabel = "DIR",
        description = "Where to write ID.pem and ID.key (default: the CA's directory).")
    Path out;

    @Option(names = "--id", required = true, paramLabel = "ID", description = "The node id.")
    String id;

    @Option(
        names = "--host",
        required = true,
        paramLabel = "HOST",
        description =
            "An address the node is reached at, as in its node.host (repeatable): an IP or a DNS"
                + " name.")
    List<String> hosts;

    @Option(
        names = "--days",
        defaultValue = "825",
        paramLabel = "N",
        description = "Validity in days (default ${DEFAULT-VALUE}).")
    int days;

    @Override
    public Integer call() {
      requireFileName(spec, "--id", id);
      return issue(spec, "certs node", dir, out, id, hosts, days, id + " for " + hosts);
    }
  }

  @Command(
      name = "client",
      mixinStandardHelpOptions = true,
      description = {
        "Issues a client certificate signed by the CA in DIR: NAME.pem and NAME.key (owner-only),"
            + " for cairnctl's --tls-cert and --tls-key or the Java client's ClientTls.",
        "Sign clients with a CA of their own (cairnctl certs ca --dir CLIENT-CA-DIR), never the"
            + " cluster CA: the Raft port takes any certificate of the cluster CA as a member's."
      })
  static final class Client implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--dir",
        required = true,
        paramLabel = "DIR",
        description = "The client CA's directory (ca.pem, ca.key).")
    Path dir;

    @Option(
        names = "--out",
        paramLabel = "DIR",
        description = "Where to write NAME.pem and NAME.key (default: the CA's directory).")
    Path out;

    @Option(
        names = "--name",
        required = true,
        paramLabel = "NAME",
        description = "Who the client is (the certificate's common name).")
    String name;

    @Option(
        names = "--days",
        defaultValue = "365",
        paramLabel = "N",
        description = "Validity in days (default ${DEFAULT-VALUE}).")
    int days;

    @Override
    public Integer call() {
      requireFileName(spec, "--name", name);
      return issue(spec, "certs client", dir, out, name, List.of(), days, "client " + name);
    }
  }

  /** Issues NAME.pem and NAME.key from the CA in {@code dir} into {@code out} (default: dir). */
  private static int issue(
      CommandSpec spec,
      String command,
      Path dir,
      Path out,
      String name,
      List<String> hosts,
      int days,
      String what) {
    requirePositive(spec, days);
    Path target = out == null ? dir : out;
    try {
      CertificateAuthority ca = CertificateAuthority.load(dir, Clock.systemUTC());
      ca.issue(name, hosts, Duration.ofDays(days)).save(target, name);
    } catch (IOException | RuntimeException e) {
      return failed(spec.commandLine().getErr(), command, e);
    }
    spec.commandLine()
        .getOut()
        .println(
            "issued "
                + what
                + ": "
                + target.resolve(name + ".pem")
                + ", "
                + target.resolve(name + ".key"));
    return ExitCodes.OK;
  }

  /** A name that becomes NAME.pem and NAME.key: nothing that could leave the directory. */
  private static void requireFileName(CommandSpec spec, String option, String value) {
    if (!value.matches("[A-Za-z0-9_.-]{1,64}") || value.startsWith(".")) {
      throw new ParameterException(
          spec.commandLine(),
          option
              + " must be 1-64 letters, digits, '.', '_' or '-', not starting with '.' (it names"
              + " the files), got '"
              + OneLine.of(value)
              + "'");
    }
  }

  private static void requirePositive(CommandSpec spec, int days) {
    if (days < 1 || days > 36_500) {
      throw new ParameterException(
          spec.commandLine(), "--days must be between 1 and 36500, got " + days);
    }
  }

  private static int failed(java.io.PrintWriter err, String command, Exception e) {
    err.println(ExitCodes.prefix(command) + OneLine.of(String.valueOf(e.getMessage())));
    return ExitCodes.OTHER;
  }
}

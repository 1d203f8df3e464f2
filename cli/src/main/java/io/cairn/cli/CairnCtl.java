package io.cairn.cli;

import io.cairn.client.BlockingCairnClient;
import io.cairn.client.CairnClient;
import io.cairn.client.ChannelFactory;
import io.cairn.client.ClientConfig;
import io.cairn.client.ClientTls;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code cairnctl}: the command-line client. Global options (valid before or after the subcommand)
 * say where the cluster is and what to print; each subcommand opens a client, runs, and closes it.
 *
 * <p>Tests run it in-process through {@link #commandLine(ChannelFactory, StdStreams)} with a
 * channel factory that reaches an in-process fake cluster; {@link #main} uses plaintext TCP and the
 * process's standard streams.
 */
@Command(
    name = "cairnctl",
    mixinStandardHelpOptions = true,
    version = "cairnctl 0.1.0",
    description = {
      "Talks to a Cairn cluster: reads and writes keys, shows the shard map and the nodes' status, "
          + "and measures throughput and latency.",
      "",
      "Keys and values are bytes. On the command line they are UTF-8 text unless --hex or --base64 "
          + "(options of put, get, delete and cas) says otherwise; an argument that is not valid text in the "
          + "locale is refused, never stored altered. -o json prints one JSON document on stdout; errors are "
          + "one line on stderr in every format."
    },
    subcommands = {
      PutCommand.class,
      GetCommand.class,
      DeleteCommand.class,
      CasCommand.class,
      MapCommand.class,
      StatusCommand.class,
      VerifyCommand.class,
      LeaderCommand.class,
      NodeCommand.class,
      ShardCommand.class,
      BenchCommand.class,
      CertsCommand.class,
      AtRestCommand.class,
      UserCommand.class,
      RoleCommand.class,
      CommandLine.HelpCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:ok",
      "1:key not found (get)",
      "2:usage error (unknown command or option, bad argument, unreadable value)",
      "3:version mismatch (compare-and-set failed; the key's current version is printed)",
      "4:unavailable or timed out (no quorum, nodes down, deadline passed; status: a node did not answer)",
      "5:other error (including a key or value the cluster rejects as invalid)",
      "6:replicas differ (verify: a shard's replicas hold different states at the same index)",
      "7:refused as the cluster stands (node remove: it still holds replicas; a move already in"
          + " progress): the message says what to do first",
      "8:not allowed: no valid user or certificate (auth on), or the user's roles do not grant it"
    })
public final class CairnCtl implements Callable<Integer> {
  static final String DEFAULT_ENDPOINTS = "127.0.0.1:7001,127.0.0.2:7001,127.0.0.3:7001";

  @Option(
      names = "--endpoints",
      split = ",",
      paramLabel = "HOST:PORT",
      scope = ScopeType.INHERIT,
      defaultValue = "${env:CAIRN_ENDPOINTS:-" + DEFAULT_ENDPOINTS + "}",
      description =
          "Comma-separated client endpoints of cluster nodes "
              + "(env CAIRN_ENDPOINTS; default: ${DEFAULT-VALUE}).")
  List<String> endpoints;

  @Option(
      names = "--timeout-ms",
      paramLabel = "MS",
      scope = ScopeType.INHERIT,
      defaultValue = "10000",
      description = "Deadline of each operation, retries included (default: ${DEFAULT-VALUE}).")
  long timeoutMs;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "text|json",
      scope = ScopeType.INHERIT,
      defaultValue = "text",
      description =
          "text (default) or json: one JSON document on stdout. Keys and values in it are hex with "
              + "--hex and base64 otherwise; its \"encoding\" member says which.")
  OutputFormat output;

  @Option(
      names = "--tls-ca",
      paramLabel = "FILE",
      scope = ScopeType.INHERIT,
      defaultValue = "${env:CAIRN_TLS_CA:-}",
      description =
          "Connect over TLS, trusting the cluster CA in FILE (PEM; env CAIRN_TLS_CA). For a"
              + " cluster whose nodes set client-tls.enabled=true.")
  String tlsCa;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      scope = ScopeType.INHERIT,
      defaultValue = "${env:CAIRN_TLS_CERT:-}",
      description =
          "This client's certificate (PEM; env CAIRN_TLS_CERT), when the nodes require one"
              + " (client-tls.client-ca-file). Needs --tls-ca and --tls-key.")
  String tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      scope = ScopeType.INHERIT,
      defaultValue = "${env:CAIRN_TLS_KEY:-}",
      description = "The private key of --tls-cert (PEM, PKCS#8; env CAIRN_TLS_KEY).")
  String tlsKey;

  @Option(
      names = "--user",
      paramLabel = "NAME",
      scope = ScopeType.INHERIT,
      defaultValue = "${env:CAIRN_USER:-}",
      description =
          "Call as this user (env CAIRN_USER), when the cluster has auth on: cairnctl logs in with"
              + " the password in env CAIRN_PASSWORD, or asks for it. Needs --tls-ca.")
  String user;

  @Spec CommandSpec spec;

  private final ChannelFactory channelFactory;
  private final StdStreams streams;

  public CairnCtl(ChannelFactory channelFactory, StdStreams streams) {
    this.channelFactory = Objects.requireNonNull(channelFactory, "channelFactory");
    this.streams = Objects.requireNonNull(streams, "streams");
  }

  /**
   * A ready-to-execute command line over {@code streams}: picocli's writers print UTF-8 to their
   * out and err; failures become exit codes and one line on stderr.
   */
  public static CommandLine commandLine(ChannelFactory channelFactory, StdStreams streams) {
    CommandLine cl = new CommandLine(new CairnCtl(channelFactory, streams));
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setOut(utf8Writer(streams.out()));
    cl.setErr(utf8Writer(streams.err()));
    // One line, like every other error, rather than picocli's message followed by the whole usage.
    cl.setParameterExceptionHandler(
        (e, args) -> {
          String command = commandName(e.getCommandLine());
          e.getCommandLine()
              .getErr()
              .println(
                  ExitCodes.prefix(command)
                      + OneLine.of(e.getMessage())
                      + " (see 'cairnctl "
                      + (command == null ? "" : command + " ")
                      + "--help')");
          return ExitCodes.USAGE;
        });
    cl.setExecutionExceptionHandler(
        (e, cmd, parsed) -> ExitCodes.report(e, commandName(cmd), cmd.getErr()));
    return cl;
  }

  public static void main(String[] args) {
    System.exit(execute(commandLine(ChannelFactory.plaintext(), StdStreams.system()), args));
  }

  /** Runs {@code args} and flushes stdout and stderr; returns the exit code. */
  public static int execute(CommandLine cl, String... args) {
    int code = cl.execute(args);
    // The writers buffer (they do not flush on println); System.exit would drop what is left.
    cl.getOut().flush();
    cl.getErr().flush();
    return code;
  }

  /** Without a subcommand: the usage, and a usage-error exit code. */
  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }

  OutputFormat output() {
    return output;
  }

  StdStreams streams() {
    return streams;
  }

  /** A client for the configured cluster; a bad endpoint or timeout is a usage error. */
  CairnClient openClient(CommandSpec caller) {
    ClientConfig config;
    try {
      config =
          ClientConfig.builder()
              .endpoints(endpoints)
              .requestTimeoutMs(timeoutMs)
              .channelFactory(transport())
              .build();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(caller.commandLine(), e.getMessage(), e);
    }
    return CairnClient.connect(config);
  }

  /**
   * TLS when --tls-ca (or its variable) is given, else the transport this command was built with.
   */
  private ChannelFactory transport() {
    if (tlsCa.isEmpty()) {
      if (!user.isEmpty()) {
        throw new IllegalArgumentException(
            "--user needs --tls-ca: a password and its token must not cross the network in clear");
      }
      if (!tlsCert.isEmpty() || !tlsKey.isEmpty()) {
        throw new IllegalArgumentException(
            "--tls-cert and --tls-key need --tls-ca (the CA that signed the nodes' certificates)");
      }
      return channelFactory;
    }
    ClientTls tls =
        new ClientTls(
            Path.of(tlsCa),
            tlsCert.isEmpty() ? null : Path.of(tlsCert),
            tlsKey.isEmpty() ? null : Path.of(tlsKey));
    if (user.isEmpty()) {
      return ChannelFactory.tls(tls);
    }
    return ChannelFactory.tls(tls, user, password());
  }

  /** The password of --user: env CAIRN_PASSWORD, else asked on the terminal without echo. */
  private String password() {
    String fromEnv = System.getenv("CAIRN_PASSWORD");
    if (fromEnv != null && !fromEnv.isEmpty()) {
      return fromEnv;
    }
    java.io.Console console = System.console();
    if (console == null) {
      throw new IllegalArgumentException(
          "--user needs a password: set CAIRN_PASSWORD (there is no terminal to ask on)");
    }
    char[] typed = console.readPassword("password for %s: ", user);
    if (typed == null || typed.length == 0) {
      throw new IllegalArgumentException("--user needs a password");
    }
    return new String(typed);
  }

  BlockingCairnClient openBlockingClient(CommandSpec caller) {
    return new BlockingCairnClient(openClient(caller));
  }

  /** The subcommand's name as typed ("put", "leader transfer"), or null for cairnctl itself. */
  private static String commandName(CommandLine cmd) {
    if (cmd.getParent() == null) {
      return null;
    }
    String parent = commandName(cmd.getParent());
    return parent == null ? cmd.getCommandName() : parent + " " + cmd.getCommandName();
  }

  private static PrintWriter utf8Writer(OutputStream out) {
    return new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), false);
  }
}

package io.cairn.cli;

import io.cairn.client.BlockingCairnClient;
import io.cairn.client.CairnClient;
import io.cairn.client.ChannelFactory;
import io.cairn.client.ClientConfig;
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
 * {@code cairnctl}: the command-line client. Global options (valid before or after the
 * subcommand) say where the cluster is; each subcommand opens a client, runs, and closes it.
 *
 * <p>Tests run it in-process through {@link #commandLine(ChannelFactory)} with a channel factory
 * that reaches an in-process fake cluster; {@link #main} uses plaintext TCP.
 */
@Command(name = "cairnctl", mixinStandardHelpOptions = true, version = "cairnctl 0.1.0",
    description = "Talks to a Cairn cluster: reads and writes keys, shows the shard map and the nodes' status, "
        + "and measures throughput and latency.",
    subcommands = {PutCommand.class, GetCommand.class, DeleteCommand.class, CasCommand.class, MapCommand.class,
        StatusCommand.class, BenchCommand.class, CommandLine.HelpCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:ok",
        "1:key not found (get)",
        "2:usage error (unknown command or option, bad argument)",
        "3:version mismatch (compare-and-set failed; the key's current version is printed)",
        "4:unavailable or timed out (no quorum, nodes down, deadline passed)",
        "5:other error (including a key or value the cluster rejects as invalid)"})
public final class CairnCtl implements Callable<Integer> {
  static final String DEFAULT_ENDPOINTS = "127.0.0.1:7001,127.0.0.2:7001,127.0.0.3:7001";

  @Option(names = "--endpoints", split = ",", paramLabel = "HOST:PORT", scope = ScopeType.INHERIT,
      defaultValue = "${env:CAIRN_ENDPOINTS:-" + DEFAULT_ENDPOINTS + "}",
      description = "Comma-separated client endpoints of cluster nodes "
          + "(env CAIRN_ENDPOINTS; default: ${DEFAULT-VALUE}).")
  List<String> endpoints;

  @Option(names = "--timeout-ms", paramLabel = "MS", scope = ScopeType.INHERIT, defaultValue = "10000",
      description = "Deadline of each operation, retries included (default: ${DEFAULT-VALUE}).")
  long timeoutMs;

  @Spec
  CommandSpec spec;

  private final ChannelFactory channelFactory;

  public CairnCtl() {
    this(ChannelFactory.plaintext());
  }

  public CairnCtl(ChannelFactory channelFactory) {
    this.channelFactory = Objects.requireNonNull(channelFactory, "channelFactory");
  }

  /** A ready-to-execute command line: exceptions become exit codes and one line on stderr. */
  public static CommandLine commandLine(ChannelFactory channelFactory) {
    CommandLine cl = new CommandLine(new CairnCtl(channelFactory));
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> ExitCodes.report(e, cmd.getErr()));
    return cl;
  }

  public static void main(String[] args) {
    System.exit(execute(commandLine(ChannelFactory.plaintext()), args));
  }

  /** Runs {@code args} and flushes stdout and stderr; returns the exit code. */
  public static int execute(CommandLine cl, String... args) {
    int code = cl.execute(args);
    // picocli's writers flush only on println; System.exit would drop what print() left buffered.
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

  /** A client for the configured cluster; a bad endpoint or timeout is a usage error. */
  CairnClient openClient(CommandSpec caller) {
    ClientConfig config;
    try {
      config = ClientConfig.builder().endpoints(endpoints).requestTimeoutMs(timeoutMs)
          .channelFactory(channelFactory).build();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(caller.commandLine(), e.getMessage(), e);
    }
    return CairnClient.connect(config);
  }

  BlockingCairnClient openBlockingClient(CommandSpec caller) {
    return new BlockingCairnClient(openClient(caller));
  }
}

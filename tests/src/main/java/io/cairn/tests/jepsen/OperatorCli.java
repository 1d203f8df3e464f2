package io.cairn.tests.jepsen;

import io.cairn.cli.CairnCtl;
import io.cairn.cli.StdStreams;
import io.cairn.client.ChannelFactory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code cairnctl}, run in this JVM the way an operator runs it: the membership faults change the
 * cluster's shape and check its replicas with the operator's commands, so the harness exercises
 * their exit codes and messages too, not only the RPCs behind them.
 */
final class OperatorCli {

  /** What one command did: its exit code and what it printed. */
  record Result(List<String> command, int exitCode, String out, String err) {
    boolean ok() {
      return exitCode == 0;
    }

    /** One line for logs and failure messages. */
    String summary() {
      String printed = (out + " " + err).strip().replaceAll("\\s+", " ");
      return "cairnctl "
          + String.join(" ", command)
          + " -> exit "
          + exitCode
          + (printed.isEmpty() ? "" : ": " + printed);
    }
  }

  private final Supplier<List<String>> endpoints;
  private final List<String> transportOptions;

  /**
   * @param endpoints the client endpoints to pass, asked afresh for every command (the members
   *     change)
   * @param transportOptions put before every command: the TLS options of a secured cluster
   */
  OperatorCli(Supplier<List<String>> endpoints, List<String> transportOptions) {
    this.endpoints = endpoints;
    this.transportOptions = List.copyOf(transportOptions);
  }

  Result run(String... command) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    StdStreams streams = new StdStreams(new ByteArrayInputStream(new byte[0]), out, err);
    List<String> args = new ArrayList<>(transportOptions);
    args.add("--endpoints");
    args.add(String.join(",", endpoints.get()));
    args.addAll(List.of(command));
    int code =
        CairnCtl.execute(
            CairnCtl.commandLine(ChannelFactory.plaintext(), streams), args.toArray(String[]::new));
    return new Result(
        List.of(command),
        code,
        out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8));
  }
}

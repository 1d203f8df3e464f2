package io.cairn.tests.jepsen;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The network lab a chaos run lives in: one network namespace per node ({@code cairn-n<i>}, address
 * {@code 10.77.0.<i>}) on a bridge in the root namespace, built and removed by {@code
 * scripts/netns.sh} (see its header for the layout). Clients run in the root namespace and reach
 * every node; faults act inside the node namespaces, so cutting node links never cuts the clients.
 *
 * <p>{@link #up} refuses to run when a lab another live run owns exists (leftovers of a dead run
 * are removed); {@link #close()} removes the lab this instance created, also after a failure.
 */
public final class NetnsLab implements AutoCloseable {

  static final String ADDRESS_PREFIX = "10.77.0.";
  static final String NAMESPACE_PREFIX = "cairn-n";
  private static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(15);

  private final Path script;
  private final int nodes;
  private boolean up;

  private NetnsLab(Path script, int nodes) {
    this.script = script;
    this.nodes = nodes;
  }

  /**
   * {@code scripts/netns.sh} of the repository that contains {@code start} (the working directory
   * of a test run may be the repository root or its tests module).
   */
  public static Path findScript(Path start) {
    for (Path dir = start.toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path script = dir.resolve("scripts").resolve("netns.sh");
      if (Files.isRegularFile(script)) {
        return script;
      }
    }
    return start.toAbsolutePath().resolve("scripts").resolve("netns.sh");
  }

  /**
   * What keeps a lab from being built on this machine (not root, a tool missing), one sentence
   * each; empty when nothing does.
   */
  public static List<String> preflight(Path script) {
    List<String> problems = new ArrayList<>();
    CommandRunner.Result uid = CommandRunner.run(COMMAND_TIMEOUT, "id", "-u");
    if (!uid.ok() || !uid.output().strip().equals("0")) {
      problems.add(
          "not running as root (uid "
              + uid.output().strip()
              + "): network namespaces, iptables and tc"
              + " need root");
    }
    for (String tool : List.of("ip", "iptables", "tc", "timeout", "bash")) {
      if (!CommandRunner.run(COMMAND_TIMEOUT, "bash", "-c", "command -v " + tool).ok()) {
        problems.add(
            "'"
                + tool
                + "' is not installed (apt-get install -y iproute2 iptables coreutils bash)");
      }
    }
    if (!Files.isRegularFile(script)) {
      problems.add("the lab script " + script + " does not exist (run from the repository root)");
    }
    return problems;
  }

  /** Builds a lab for {@code nodes} nodes; fails if another live run owns one. */
  public static NetnsLab up(Path script, int nodes) {
    NetnsLab lab = new NetnsLab(script, nodes);
    CommandRunner.run(SCRIPT_TIMEOUT, "bash", script.toString(), "up", Integer.toString(nodes))
        .orThrow();
    lab.up = true;
    return lab;
  }

  public int nodes() {
    return nodes;
  }

  public String host(int node) {
    return ADDRESS_PREFIX + node;
  }

  /** The prefix that runs a command inside node {@code node}'s namespace. */
  public List<String> commandPrefix(int node) {
    return List.of("ip", "netns", "exec", NAMESPACE_PREFIX + node);
  }

  /** Runs {@code command} inside node {@code node}'s namespace, bounded in time. */
  CommandRunner.Result exec(int node, String... command) {
    List<String> full = new ArrayList<>(commandPrefix(node));
    full.addAll(List.of(command));
    return CommandRunner.run(COMMAND_TIMEOUT, full);
  }

  /** Removes the lab (namespaces, veths, bridge, the FORWARD rule); safe to call twice. */
  @Override
  public void close() {
    if (up) {
      up = false;
      CommandRunner.run(SCRIPT_TIMEOUT, "bash", script.toString(), "down").orThrow();
    }
  }
}

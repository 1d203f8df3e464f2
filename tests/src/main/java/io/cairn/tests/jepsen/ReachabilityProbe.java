package io.cairn.tests.jepsen;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * Tries bounded TCP connects, from inside a node's network namespace (through the lab's command
 * prefix, e.g. {@code ip netns exec cairn-n2}) or from the root namespace where the clients live.
 * Used to prove a partition before anything measured under it is believed.
 *
 * <p>The connect from a namespace runs bash's {@code /dev/tcp} under {@code timeout}, so a dropped
 * SYN costs at most {@code connectTimeout}; exit 0 means the three-way handshake completed.
 */
public final class ReachabilityProbe implements PartitionProof.Reachability {

  private final IntFunction<List<String>> commandPrefix;
  private final Duration connectTimeout;

  public ReachabilityProbe(IntFunction<List<String>> commandPrefix, Duration connectTimeout) {
    this.commandPrefix = commandPrefix;
    this.connectTimeout = connectTimeout;
  }

  /** Whether a TCP connect from inside node {@code fromNode}'s namespace to host:port succeeds. */
  @Override
  public boolean canConnectFromNode(int fromNode, String host, int port) {
    List<String> cmd = new ArrayList<>(commandPrefix.apply(fromNode));
    long seconds = Math.max(1, (connectTimeout.toMillis() + 999) / 1000);
    cmd.addAll(
        List.of(
            "timeout",
            Long.toString(seconds),
            "bash",
            "-c",
            "exec 3<>/dev/tcp/\"$0\"/\"$1\"",
            host,
            Integer.toString(port)));
    try {
      Process p =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!p.waitFor(seconds + 5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run the probe " + cmd, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while probing", e);
    }
  }

  /** Whether a TCP connect from this JVM (the root namespace, where clients run) succeeds. */
  @Override
  public boolean canConnectFromRoot(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), (int) connectTimeout.toMillis());
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}

package io.cairn.node;

import io.cairn.node.config.NodeConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Checks, before anything starts, that the four ports a node listens on are free.
 *
 * <p>Ratis ends the whole process when its port is taken ("Failed to start Grpc server", exit 1),
 * which names neither the port nor the config key. An operator who starts a second node with a
 * copied config, or restarts one whose old process still runs, should instead read which port is
 * busy and what to change. The check can race with another process binding the port in between; it
 * is for the message, not a guarantee.
 */
final class ListenPorts {
  private ListenPorts() {}

  static void requireFree(NodeConfig.Node node) throws IOException {
    NodeConfig.Listen at = node.listen();
    requireFree("node.raft-port", at.raftHost(), node.raftPort());
    requireFree("node.peer-port", at.raftHost(), node.peerPort());
    requireFree("node.client-port", at.clientHost(), node.clientPort());
    requireFree("node.http-port", at.httpHost(), node.httpPort());
  }

  private static void requireFree(String key, String host, int port) throws IOException {
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(host, port));
    } catch (IOException e) {
      throw new IOException(
          key
              + "="
              + port
              + " cannot be opened on "
              + host
              + " ("
              + e.getMessage()
              + "): another process (an earlier run of this node?) holds it; stop that process or"
              + " set "
              + key
              + " to a free port",
          e);
    }
  }
}

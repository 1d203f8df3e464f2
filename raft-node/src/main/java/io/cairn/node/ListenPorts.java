package io.cairn.node;

import io.cairn.node.config.NodeConfig;
import io.cairn.node.replica.link.LinkSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Checks, before anything starts, that the five ports a node listens on are free.
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
    // Raft links (RaftHost) listen beside the Raft port, whatever raft.transport says.
    int link = node.raftPort() + LinkSettings.PORT_OFFSET;
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(at.raftHost(), link));
    } catch (IOException e) {
      throw new IOException(
          "the Raft link port "
              + link
              + " (node.raft-port + "
              + LinkSettings.PORT_OFFSET
              + ") cannot be opened on "
              + at.raftHost()
              + " ("
              + e.getMessage()
              + "): another process holds it; stop that process or set node.raft-port to a port"
              + " whose +"
              + LinkSettings.PORT_OFFSET
              + " is free too",
          e);
    }
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

package io.cairn.node.replica.link;

import java.net.InetSocketAddress;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * How Raft links are set up: how long a connect (or a TLS handshake), an append and a snapshot
 * chunk may take, how long a link may stay silent before its follower closes it, the largest frame,
 * how many links a node accepts, and the TLS context both ends use (empty only when the node's Raft
 * port is configured open). A node's link port is its Raft port plus {@link #PORT_OFFSET}, on its
 * Raft host, so peers find it from the address Ratis already has.
 */
public record LinkSettings(
    int connectTimeoutMs,
    int requestTimeoutMs,
    int snapshotChunkTimeoutMs,
    int idleTimeoutMs,
    int frameBytesMax,
    int connectionsMax,
    Optional<SSLContext> tls) {

  /** The key under which Ratis's {@code Parameters} carry these settings to {@link LinkRpcType}. */
  public static final int PORT_OFFSET = 4;

  static final String PARAMETER = "cairn.raft-link.settings";

  /** Where the node whose Raft address is given serves its links. */
  static InetSocketAddress linkAddressOf(String raftAddress) {
    int colon = raftAddress.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("Raft address " + raftAddress + " has no port");
    }
    String host = raftAddress.substring(0, colon);
    int port = Integer.parseInt(raftAddress.substring(colon + 1));
    return InetSocketAddress.createUnresolved(host, port + PORT_OFFSET);
  }
}

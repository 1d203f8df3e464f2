package io.cairn.proto;

/**
 * Where a node in the shard map is dialled, port by port: nodes dial {@code host} (Raft and peer
 * ports), clients dial the client host, which is {@code host} unless the map names another.
 */
public final class NodeAddresses {
  private NodeAddresses() {}

  /** The host clients dial for the node's client port. */
  public static String clientHost(NodeInfo node) {
    return node.getClientHost().isEmpty() ? node.getHost() : node.getClientHost();
  }

  /** {@code client-host:client-port}, as clients and tools name an endpoint. */
  public static String clientEndpoint(NodeInfo node) {
    return clientHost(node) + ":" + node.getClientPort();
  }
}

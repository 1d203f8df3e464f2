package io.cairn.client;

/**
 * Where one attempt goes: the node's endpoint, the shard the request is for (-1 when the client
 * does not know the map yet, or for cluster calls), the node id when known, and whether the client
 * believes that node leads the shard.
 */
record Target(Endpoint endpoint, int shardId, String nodeId, boolean toLeader) {
  static Target anyNode(Endpoint endpoint) {
    return new Target(endpoint, -1, null, false);
  }
}

package io.cairn.node.config;

import io.cairn.proto.NodeInfo;
import java.nio.file.Path;
import java.util.List;

/**
 * The whole configuration of one node, validated. Built by {@link NodeConfigLoader} from a
 * properties file plus command-line overrides; every key is documented in {@code config/}.
 *
 * @param seedNodes the nodes of the cluster when it was created; with the S/R/vnode settings
 *     they determine the initial shard map, which every node computes identically
 * @param cacheShardBytesMax bytes of keys and values each local shard replica keeps in its read
 *     cache (0 turns the cache off)
 * @param debugUnsafeLocalReads DEBUG ONLY: serve LINEARIZABLE reads from whichever replica
 *     believes it leads, without confirming leadership. Exists so the fault-injection suite can prove its
 *     checker catches stale reads; never enable it in production
 */
public record NodeConfig(
    String nodeId,
    String host,
    int raftPort,
    int clientPort,
    int httpPort,
    Path dataDir,
    String clusterId,
    List<NodeInfo> seedNodes,
    int shards,
    int replicationFactor,
    int virtualNodesPerShard,
    int keyBytesMax,
    int valueBytesMax,
    int electionTimeoutMsMin,
    int electionTimeoutMsMax,
    int raftRequestTimeoutMs,
    int snapshotEveryEntries,
    int logSegmentBytesMax,
    boolean logMetadataEnabled,
    int batchCommandsMax,
    int batchesInFlightMax,
    int sessionReadWaitMsMax,
    long cacheShardBytesMax,
    boolean debugUnsafeLocalReads) {

  public NodeInfo self() {
    return NodeInfo.newBuilder()
        .setId(nodeId).setHost(host)
        .setRaftPort(raftPort).setClientPort(clientPort).setHttpPort(httpPort)
        .build();
  }
}

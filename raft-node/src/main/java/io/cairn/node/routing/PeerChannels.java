package io.cairn.node.routing;

import io.cairn.proto.NodeInfo;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.Closeable;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * gRPC channels from this node to the other nodes' peer ports, one per node, opened on first use:
 * for node status, leadership confirmations and forwarded requests. A node without a peer port in
 * the map (a map from before peer ports) is dialled at its client port instead. Thread-safe.
 */
public final class PeerChannels implements Closeable {
  /**
   * For {@code stub.withExecutor}: runs a call's callbacks on the transport thread that received
   * the answer. Only for callbacks that never block (they complete futures and start other
   * asynchronous calls). The default executor hands every answer to a pooled thread; on the
   * leadership confirmations of LINEARIZABLE reads that hand-off cost about a tenth of a node's CPU
   * (async-profiler, 64 clients, 2026-12-03).
   */
  public static final Executor ON_TRANSPORT_THREAD = Runnable::run;

  private final ShardDirectory directory;
  // Answers can be as large as the nodes' own inbound limit: a split's export page holds up to
  // 1 MiB of keys and values plus one value of up to limits.value-bytes-max.
  private final int inboundBytesMax;
  private final ChannelCredentials toPeerPorts;
  private final ChannelCredentials toClientPorts;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

  /**
   * @param toPeerPorts how peer ports are dialled: plaintext, or TLS with this node's member
   *     certificate
   * @param toClientPorts how the client ports of nodes without a peer port are dialled
   */
  public PeerChannels(
      ShardDirectory directory,
      ChannelCredentials toPeerPorts,
      ChannelCredentials toClientPorts,
      int inboundBytesMax) {
    this.inboundBytesMax = inboundBytesMax;
    this.directory = directory;
    this.toPeerPorts = toPeerPorts;
    this.toClientPorts = toClientPorts;
  }

  /** The channel to the node with {@code nodeId}, if the shard map knows that node. */
  public Optional<ManagedChannel> to(String nodeId) {
    return directory.node(nodeId).map(this::to);
  }

  /**
   * Call after a call to {@code nodeId} failed as UNAVAILABLE: the channel then retries its
   * connection at once instead of after its backoff (up to two minutes), so that once a partition
   * heals the nodes talk again as soon as Raft does.
   */
  public void reconnectSoon(String nodeId) {
    ManagedChannel ch = channels.get(nodeId);
    if (ch != null) {
      ch.resetConnectBackoff();
    }
  }

  public ManagedChannel to(NodeInfo node) {
    return channels.computeIfAbsent(
        node.getId(),
        id ->
            node.getPeerPort() != 0
                ? NettyChannelBuilder.forAddress(node.getHost(), node.getPeerPort(), toPeerPorts)
                    .maxInboundMessageSize(inboundBytesMax)
                    .build()
                : NettyChannelBuilder.forAddress(
                        node.getHost(), node.getClientPort(), toClientPorts)
                    .maxInboundMessageSize(inboundBytesMax)
                    .build());
  }

  @Override
  public void close() {
    channels.values().forEach(ManagedChannel::shutdownNow);
    channels.clear();
  }
}

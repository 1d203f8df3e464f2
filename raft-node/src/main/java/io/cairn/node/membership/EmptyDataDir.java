package io.cairn.node.membership;

import io.cairn.node.config.NodeConfig;
import io.cairn.proto.NodeInfo;
import io.cairn.proto.ShardMap;
import io.cairn.proto.internal.PeerGrpc;
import io.cairn.proto.internal.ReadShardMapRequest;
import io.cairn.proto.internal.ReadShardMapResponse;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A seed's first start on an empty data dir is either the cluster's creation or a lost disk, and
 * the two must not be confused: a seed that creates its replicas from the configuration after its
 * disk was wiped would vote in Raft with a log it no longer has (Raft amnesia) and could elect a
 * leader that lacks acknowledged writes. So before creating anything it asks the other seeds, for
 * {@code membership.existing-cluster-probe-ms}, whether the meta group already holds a map (a
 * linearizable read, {@code Peer.ReadShardMap}). If it does, the cluster exists and this node
 * rejoins as a node whose data is lost ({@link ClusterJoin#join} with {@code lost_data}).
 */
public final class EmptyDataDir {
  private static final Logger LOG = LoggerFactory.getLogger(EmptyDataDir.class);
  private static final long ROUND_MS = 500;
  private static final long CALL_TIMEOUT_MS = 1_000;

  private EmptyDataDir() {}

  /** Whether the data dir holds neither a saved map nor any Raft group: a first start. */
  public static boolean isEmpty(Path dataDir) throws IOException {
    if (Files.exists(dataDir.resolve("shard-map.pb"))) {
      return false;
    }
    Path raft = dataDir.resolve("raft");
    if (!Files.isDirectory(raft)) {
      return true;
    }
    try (Stream<Path> groups = Files.list(raft)) {
      return groups.noneMatch(Files::isDirectory);
    }
  }

  /**
   * The meta group's map if another seed can read it within the probe time: the cluster exists.
   * Empty when none could (all seeds are starting together: the cluster is being created). Asks the
   * seeds' peer ports, with {@code credentials} (this node's member certificate, or plaintext).
   */
  public static Optional<ShardMap> existingCluster(
      NodeConfig config, ChannelCredentials credentials) {
    long probeMs = config.membership().existingClusterProbeMs();
    if (probeMs <= 0) {
      return Optional.empty();
    }
    List<ManagedChannel> channels = new ArrayList<>();
    for (NodeInfo n : config.cluster().seedNodes()) {
      if (!n.getId().equals(config.nodeId())) {
        channels.add(
            NettyChannelBuilder.forAddress(n.getHost(), n.getPeerPort(), credentials).build());
      }
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(probeMs);
    try {
      while (true) {
        for (ManagedChannel ch : channels) {
          try {
            ReadShardMapResponse r =
                PeerGrpc.newBlockingStub(ch)
                    .withDeadlineAfter(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                    .readShardMap(ReadShardMapRequest.getDefaultInstance());
            if (r.getHasMap()) {
              LOG.warn(
                  "this node's data dir is empty but the cluster exists (map epoch {}): its data"
                      + " was lost, so it rejoins as a new member instead of creating replicas",
                  r.getMap().getEpoch());
              return Optional.of(r.getMap());
            }
          } catch (StatusRuntimeException e) {
            // not up yet, or its meta group has no leader yet: ask again next round
          }
        }
        if (System.nanoTime() > deadline) {
          return Optional.empty();
        }
        Thread.sleep(ROUND_MS); // a fixed pause between rounds of questions to other nodes
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } finally {
      channels.forEach(ManagedChannel::shutdownNow);
    }
  }
}

package io.cairn.node.membership;

import io.cairn.node.config.NodeConfig;
import io.cairn.proto.AddNodeRequest;
import io.cairn.proto.ClusterGrpc;
import io.cairn.proto.ShardMap;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's first start with {@code cluster.join}: it asks a member to add it to the shard map (the
 * same call as {@code cairnctl node add}) and starts from the map that answer carries. It holds no
 * replica then; the rebalancer moves some onto it.
 */
public final class ClusterJoin {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterJoin.class);
  private static final long RETRY_MS = 1_000;
  private static final long CALL_TIMEOUT_MS = 15_000;

  private ClusterJoin() {}

  /**
   * Adds this node through {@code config.cluster().join()}, retrying while the member does not
   * answer or the meta group is busy, up to {@code membership.join-timeout-ms}.
   *
   * @throws IOException if the cluster refuses the node (an id or address in use, a removed id, a
   *     different cluster id) or did not answer in time; the message says which
   */
  public static ShardMap join(NodeConfig config, ChannelCredentials credentials)
      throws IOException {
    return join(config, List.of(config.cluster().join()), credentials);
  }

  /**
   * Adds this node through the members at {@code targets} (host:client-port each, tried in turn),
   * saying that its data dir is empty: replicas the map still names on it are dropped and come back
   * as new members.
   */
  public static ShardMap join(
      NodeConfig config, List<String> targets, ChannelCredentials credentials) throws IOException {
    List<ManagedChannel> channels = new ArrayList<>();
    for (String t : targets) {
      int colon = t.lastIndexOf(':');
      channels.add(
          NettyChannelBuilder.forAddress(
                  t.substring(0, colon), Integer.parseInt(t.substring(colon + 1)), credentials)
              .build());
    }
    String target = String.join(", ", targets);
    long deadline =
        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.membership().joinTimeoutMs());
    try {
      for (int attempt = 1; ; attempt++) {
        ManagedChannel channel = channels.get(attempt % channels.size());
        try {
          ShardMap map =
              ClusterGrpc.newBlockingStub(channel)
                  .withDeadlineAfter(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                  .addNode(
                      AddNodeRequest.newBuilder().setNode(config.self()).setLostData(true).build());
          if (!map.getClusterId().equals(config.cluster().id())) {
            throw new IOException(
                target
                    + " belongs to cluster '"
                    + map.getClusterId()
                    + "', not cluster.id '"
                    + config.cluster().id()
                    + "'; fix cluster.id or cluster.join (this node is now listed in that"
                    + " cluster's map: remove it there with cairnctl node remove "
                    + config.nodeId()
                    + ")");
          }
          LOG.info(
              "joined cluster '{}' through {}: this node is in shard map epoch {}",
              map.getClusterId(),
              target,
              map.getEpoch());
          return map;
        } catch (StatusRuntimeException e) {
          Status.Code code = e.getStatus().getCode();
          if (code == Status.Code.INVALID_ARGUMENT || code == Status.Code.FAILED_PRECONDITION) {
            throw new IOException(
                "the cluster refused to add this node: " + e.getStatus().getDescription(), e);
          }
          if (System.nanoTime() > deadline) {
            throw new IOException(
                "could not join through "
                    + target
                    + " within membership.join-timeout-ms ("
                    + attempt
                    + " tries, last: "
                    + e.getStatus()
                    + "); check that the member is running and its client port is right",
                e);
          }
          if (attempt % 10 == 1) {
            LOG.info("joining through {}: not yet ({}); retrying", target, e.getStatus());
          }
        }
        try {
          Thread.sleep(RETRY_MS); // a fixed retry interval, not a wait for a condition
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while joining", e);
        }
      }
    } finally {
      channels.forEach(ManagedChannel::shutdownNow);
    }
  }
}

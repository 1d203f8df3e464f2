package io.cairn.node.routing;

import io.cairn.node.config.NodeConfig;
import io.cairn.node.runtime.Scheduler;
import io.cairn.proto.ErrorDetail;
import io.cairn.proto.ShardMap;
import io.cairn.proto.WireHeaders;
import io.cairn.proto.internal.MetaCommand;
import io.cairn.proto.internal.PeerGrpc;
import io.cairn.proto.internal.ReadShardMapRequest;
import io.cairn.proto.internal.ReadShardMapResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.Closeable;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the meta group hold the shard map and keeps this node's {@link ShardDirectory} in step with
 * it.
 *
 * <p>Every node computes the same initial map from its configuration and proposes it with {@code
 * init_if_absent}, so whichever proposal commits first wins and the rest are no-ops. After that the
 * node polls the meta group's leader for newer epochs with a linearizable read (peer.proto's
 * ReadShardMap), following its leader hints; nodes hosting a meta replica also get new maps pushed
 * from their state machine.
 */
public final class MetaBootstrap implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(MetaBootstrap.class);
  private final ShardMap initialMap;
  private final ShardDirectory directory;
  private final GroupClients clients;
  private final NodeConfig.Meta settings;
  private final Scheduler scheduler;
  private final PeerChannels peers;
  private final long readTimeoutMs;
  private final MetaReadTargets readTargets = new MetaReadTargets();
  private boolean retrySoon;
  // The ticks run one at a time: each schedules the next when it ends.
  private volatile boolean installed;
  private volatile boolean closed;
  private int failures;

  public MetaBootstrap(
      ShardMap initialMap,
      ShardDirectory directory,
      GroupClients clients,
      NodeConfig.Meta settings,
      Scheduler scheduler,
      PeerChannels peers,
      long readTimeoutMs) {
    this.peers = peers;
    this.readTimeoutMs = readTimeoutMs;
    this.initialMap = initialMap;
    this.directory = directory;
    this.clients = clients;
    this.settings = settings;
    this.scheduler = scheduler;
  }

  public void start() {
    scheduler.schedule(this::tick, 0);
  }

  /** True once the meta group confirmed a map. */
  public boolean installed() {
    return installed;
  }

  private void tick() {
    try {
      Optional<ShardMap> map = installed ? readFromMetaLeader() : proposeInitialMap();
      if (map.isPresent()) {
        if (!installed
            && !map.get().equals(initialMap)
            && map.get().getEpoch() == initialMap.getEpoch()) {
          LOG.error(
              "the meta group holds a different initial shard map than this node's config computes "
                  + "(different cluster.shards, cluster.nodes or vnodes?); routing by the meta group's map");
        }
        directory.adopt(map.get());
        if (!installed) {
          LOG.info("shard map epoch {} confirmed by the meta group", map.get().getEpoch());
        }
        installed = true;
        failures = 0;
      }
    } catch (Exception e) {
      if (++failures % 10 == 1) {
        LOG.warn("meta group not reachable yet ({} tries): {}", failures, e.toString());
      }
    } finally {
      if (!closed) {
        boolean soon = !installed || retrySoon;
        retrySoon = false;
        scheduler.schedule(this::tick, soon ? settings.retryMs() : settings.pollMs());
      }
    }
  }

  /** Proposes this node's initial map (a no-op if the group holds one) and returns the held one. */
  private Optional<ShardMap> proposeInitialMap() throws IOException {
    var client = clients.client(initialMap.getMeta(), initialMap);
    byte[] cmd = MetaCommand.newBuilder().setInitIfAbsent(initialMap).build().toByteArray();
    RaftClientReply reply = client.io().send(Message.valueOf(UnsafeByteOperations.unsafeWrap(cmd)));
    if (reply.isSuccess() && !reply.getMessage().getContent().isEmpty()) {
      return Optional.of(
          ShardMap.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer()));
    }
    return Optional.empty();
  }

  /** A linearizable read of the map from the meta group's leader; follows its hints. */
  private Optional<ShardMap> readFromMetaLeader() {
    String target = readTargets.next(directory.map());
    var channel = peers.to(target);
    if (channel.isEmpty()) {
      readTargets.failed(target, "");
      return Optional.empty();
    }
    try {
      ReadShardMapResponse r =
          PeerGrpc.newBlockingStub(channel.get())
              .withDeadlineAfter(readTimeoutMs, TimeUnit.MILLISECONDS)
              .readShardMap(ReadShardMapRequest.getDefaultInstance());
      readTargets.answered(target);
      return r.getHasMap() ? Optional.of(r.getMap()) : Optional.empty();
    } catch (StatusRuntimeException e) {
      ErrorDetail detail =
          e.getTrailers() == null ? null : e.getTrailers().get(WireHeaders.ERROR_DETAIL);
      // Ask the named leader at the retry interval, not a whole poll later.
      retrySoon = readTargets.failed(target, detail == null ? "" : detail.getLeaderHint());
      if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
        // The channel may sit in gRPC's reconnect backoff long after a partition heals.
        peers.reconnectSoon(target);
      }
      throw e;
    } catch (RuntimeException e) {
      readTargets.failed(target, "");
      throw e;
    }
  }

  @Override
  public void close() {
    closed = true;
  }
}

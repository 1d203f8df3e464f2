package io.cairn.node.routing;

import io.cairn.node.config.NodeConfig;
import io.cairn.node.runtime.Scheduler;
import io.cairn.proto.ShardMap;
import io.cairn.proto.internal.MetaCommand;
import java.io.Closeable;
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
 * node polls the meta group for newer epochs (nodes hosting a meta replica also get them pushed
 * from their state machine).
 */
public final class MetaBootstrap implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(MetaBootstrap.class);
  private final ShardMap initialMap;
  private final ShardDirectory directory;
  private final GroupClients clients;
  private final NodeConfig.Meta settings;
  private final Scheduler scheduler;
  // The ticks run one at a time: each schedules the next when it ends.
  private volatile boolean installed;
  private volatile boolean closed;
  private int failures;

  public MetaBootstrap(
      ShardMap initialMap,
      ShardDirectory directory,
      GroupClients clients,
      NodeConfig.Meta settings,
      Scheduler scheduler) {
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
      var client = clients.client(initialMap.getMeta(), initialMap);
      RaftClientReply reply;
      if (!installed) {
        byte[] cmd = MetaCommand.newBuilder().setInitIfAbsent(initialMap).build().toByteArray();
        reply = client.io().send(Message.valueOf(UnsafeByteOperations.unsafeWrap(cmd)));
      } else {
        reply = client.io().sendReadOnly(Message.EMPTY);
      }
      if (reply.isSuccess() && !reply.getMessage().getContent().isEmpty()) {
        ShardMap map = ShardMap.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer());
        if (!installed && !map.equals(initialMap) && map.getEpoch() == initialMap.getEpoch()) {
          LOG.error(
              "the meta group holds a different initial shard map than this node's config computes "
                  + "(different cluster.shards, cluster.nodes or vnodes?); routing by the meta group's map");
        }
        directory.adopt(map);
        if (!installed) {
          LOG.info("shard map epoch {} confirmed by the meta group", map.getEpoch());
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
        scheduler.schedule(this::tick, installed ? settings.pollMs() : settings.retryMs());
      }
    }
  }

  @Override
  public void close() {
    closed = true;
  }
}

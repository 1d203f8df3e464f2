package io.cairn.node.cluster;

import io.cairn.node.raft.GroupClients;
import io.cairn.proto.ShardMap;
import io.cairn.proto.internal.MetaCommand;
import java.io.Closeable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the meta group hold the shard map and keeps this node's {@link ShardDirectory} in step
 * with it.
 *
 * <p>Every node computes the same initial map from its configuration and proposes it with
 * {@code init_if_absent}, so whichever proposal commits first wins and the rest are no-ops. After
 * that the node polls the meta group for newer epochs (nodes hosting a meta replica also get them
 * pushed from their state machine).
 */
public final class MetaBootstrap implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(MetaBootstrap.class);
  private static final long RETRY_MS = 1000;
  private static final long POLL_MS = 2000;

  private final ShardMap initialMap;
  private final ShardDirectory directory;
  private final GroupClients clients;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "cairn-meta-bootstrap");
    t.setDaemon(true);
    return t;
  });
  private volatile boolean installed;
  private int failures;

  public MetaBootstrap(ShardMap initialMap, ShardDirectory directory, GroupClients clients) {
    this.initialMap = initialMap;
    this.directory = directory;
    this.clients = clients;
  }

  public void start() {
    timer.schedule(this::tick, 0, TimeUnit.MILLISECONDS);
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
          LOG.error("the meta group holds a different initial shard map than this node's config computes "
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
      if (!timer.isShutdown()) {
        timer.schedule(this::tick, installed ? POLL_MS : RETRY_MS, TimeUnit.MILLISECONDS);
      }
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}

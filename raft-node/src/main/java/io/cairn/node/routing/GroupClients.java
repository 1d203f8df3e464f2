package io.cairn.node.routing;

import io.cairn.node.config.NodeConfig;
import io.cairn.node.replica.RaftHost;
import io.cairn.node.replica.RaftSettings;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.util.TimeDuration;

/**
 * One Ratis client per group, for the meta group's commands and reads (MetaBootstrap). Clients find
 * the leader themselves (they follow NotLeader hints); a bounded retry policy keeps a call from
 * outliving its caller by much. Only the blocking API is used: Ratis 3.3.0's ordered async API
 * fails every later call once one has run out of retries (docs/ratis-workarounds.md).
 */
public final class GroupClients implements Closeable {
  private final RaftProperties properties;
  private final Map<RaftGroupId, RaftClient> clients = new ConcurrentHashMap<>();
  private final RetryPolicy retry;

  public GroupClients(NodeConfig config) {
    this.properties = RaftSettings.clientProperties(config);
    this.retry =
        RetryPolicies.retryUpToMaximumCountWithFixedSleep(
            config.meta().clientRetries(),
            TimeDuration.valueOf(config.meta().clientRetrySleepMs(), TimeUnit.MILLISECONDS));
  }

  public RaftClient client(ShardInfo shard, ShardMap map) {
    RaftGroupId gid = RaftHost.groupIdOf(shard);
    return clients.computeIfAbsent(
        gid,
        g -> {
          List<RaftPeer> peers = RaftHost.peersOf(shard, map);
          return RaftClient.newBuilder()
              .setProperties(properties)
              .setRaftGroup(RaftGroup.valueOf(g, peers))
              .setRetryPolicy(retry)
              .build();
        });
  }

  @Override
  public void close() throws IOException {
    for (RaftClient c : clients.values()) {
      c.close();
    }
    clients.clear();
  }
}

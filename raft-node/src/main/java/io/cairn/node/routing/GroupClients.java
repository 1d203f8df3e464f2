package io.cairn.node.routing;

import io.cairn.node.config.NodeConfig;
import io.cairn.node.replica.PeerTlsParameters;
import io.cairn.node.replica.RaftHost;
import io.cairn.node.replica.RaftSettings;
import io.cairn.node.security.NodeTls;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import java.io.Closeable;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
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
  private final Map<RaftGroupId, Addressed> clients = new ConcurrentHashMap<>();

  /** A client and the replicas it was built to address. */
  private record Addressed(Set<String> peers, RaftClient client) {}

  private final RetryPolicy retry;
  private final Parameters tls;

  public GroupClients(NodeConfig config, Optional<NodeTls> tls) {
    this.properties = RaftSettings.clientProperties(config);
    this.tls = PeerTlsParameters.of(tls);
    this.retry =
        RetryPolicies.retryUpToMaximumCountWithFixedSleep(
            config.meta().clientRetries(),
            TimeDuration.valueOf(config.meta().clientRetrySleepMs(), TimeUnit.MILLISECONDS));
  }

  /**
   * The client of the shard's group, addressed to the replicas {@code map} names (a new client once
   * they change: a client keeps the peers it was built with, and one that asks only nodes the group
   * has moved off never finds its leader).
   */
  public RaftClient client(ShardInfo shard, ShardMap map) {
    RaftGroupId gid = RaftHost.groupIdOf(shard);
    Set<String> peers = Set.copyOf(shard.getReplicasList());
    Addressed current =
        clients.compute(
            gid,
            (g, old) -> {
              if (old != null && old.peers().equals(peers)) {
                return old;
              }
              if (old != null) {
                closeQuietly(old.client());
              }
              return new Addressed(
                  peers,
                  RaftClient.newBuilder()
                      .setProperties(properties)
                      .setRaftGroup(RaftGroup.valueOf(g, RaftHost.peersOf(shard, map)))
                      .setRetryPolicy(retry)
                      .setParameters(tls)
                      .build());
            });
    return current.client();
  }

  private static void closeQuietly(RaftClient client) {
    try {
      client.close();
    } catch (IOException e) {
      // a client being replaced: nothing depends on its close
    }
  }

  @Override
  public void close() throws IOException {
    for (Addressed c : clients.values()) {
      c.client().close();
    }
    clients.clear();
  }
}

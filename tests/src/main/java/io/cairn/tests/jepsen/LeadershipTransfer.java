package io.cairn.tests.jepsen;

import io.cairn.node.replica.RaftHost;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.util.TimeDuration;

/**
 * Moves a shard's leadership to a chosen node with Ratis's own admin call (the current leader hands
 * over to a caught-up follower), from the root namespace where every node's Raft port is reachable.
 * Cairn's API has no such call; a scenario uses it to put leadership where it needs it before a
 * fault.
 */
final class LeadershipTransfer {

  private LeadershipTransfer() {}

  /** Asks the group of {@code shard} to make node {@code node} its leader; throws if it refuses. */
  static void transfer(ShardMap map, int shard, int node, Duration timeout) {
    ShardInfo info =
        map.getShardsList().stream()
            .filter(s -> s.getShardId() == shard)
            .findFirst()
            .orElseThrow(() -> new IllegalArgumentException("no shard " + shard + " in the map"));
    RaftProperties properties = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(
        properties,
        TimeDuration.valueOf(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
    try (RaftClient client =
        RaftClient.newBuilder()
            .setProperties(properties)
            .setRaftGroup(RaftGroup.valueOf(RaftHost.groupIdOf(info), RaftHost.peersOf(info, map)))
            .build()) {
      RaftClientReply reply =
          client.admin().transferLeadership(RaftPeerId.valueOf("n" + node), timeout.toMillis());
      if (!reply.isSuccess()) {
        throw new IllegalStateException(
            "shard "
                + shard
                + " refused to hand leadership to n"
                + node
                + ": "
                + reply.getException());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "transferring shard " + shard + "'s leadership to n" + node + " failed", e);
    }
  }
}

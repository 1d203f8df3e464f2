package io.cairn.node.catchup;

import static org.awaitility.Awaitility.await;

import io.cairn.node.testing.LocalCluster;
import io.cairn.node.testing.LocalClusterExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Stalled-follower recovery with time in the test's hands: a replica whose disk was wiped rejoins
 * an idle shard and Ratis's gRPC appender sends it nothing but heartbeats
 * (docs/ratis-workarounds.md, #8); only when its node's watch has looked twice does it report, and
 * the leader's empty entry starts its catch-up. Over Raft links (the default transport) Ratis's
 * other appender catches such a replica up by itself ({@link WipedReplicaOverLinksTest}).
 */
class StalledFollowerCatchUpTest {
  @RegisterExtension
  final LocalClusterExtension overGrpc =
      new LocalClusterExtension(
          b -> b.nodes(3).shards(1).manualTime().config("raft.transport", "grpc"));

  @Test
  void aWipedReplicaOfAnIdleShardCatchesUpOnceItsWatchReportsIt() {
    LocalCluster cluster = overGrpc.cluster();
    int wiped = WipedIdleReplica.wipeAFollowerOfAnIdleShard(cluster);

    // No writes, no time for Cairn's timers: the empty replica stays empty.
    await("n" + wiped + " stays empty while nothing reports it")
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5))
        .ignoreExceptions()
        .until(() -> cluster.replica(wiped, 1).core().keyCount() == 0);

    WipedIdleReplica.watchReportsAndReplicaCatchesUp(cluster, wiped);
  }
}

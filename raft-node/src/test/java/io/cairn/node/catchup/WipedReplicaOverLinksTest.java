package io.cairn.node.catchup;

import io.cairn.node.testing.LocalCluster;
import io.cairn.node.testing.LocalClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The stalled-follower recovery of {@link StalledFollowerCatchUpTest} over Raft links, the default
 * transport, whose appender is Ratis's other one: a replica whose disk was wiped catches up with an
 * idle shard once its node's watch has looked twice. (That appender sometimes catches such a
 * replica up by itself, sometimes not: this test does not depend on either.)
 */
class WipedReplicaOverLinksTest {
  @RegisterExtension
  final LocalClusterExtension local =
      new LocalClusterExtension(b -> b.nodes(3).shards(1).manualTime());

  @Test
  void aWipedReplicaOfAnIdleShardCatchesUpOnceItsWatchReportsIt() {
    LocalCluster cluster = local.cluster();
    int wiped = WipedIdleReplica.wipeAFollowerOfAnIdleShard(cluster);
    WipedIdleReplica.watchReportsAndReplicaCatchesUp(cluster, wiped);
  }
}

package io.cairn.node.catchup;

import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.cairn.node.testing.LocalCluster;
import io.cairn.node.testing.LocalClusterExtension;
import io.cairn.proto.PutRequest;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The stalled-follower recovery of {@link StalledFollowerCatchUpTest} over Raft links, the default
 * transport, whose appender is Ratis's other one: a replica whose disk was wiped catches up with an
 * idle shard once its node's watch has looked twice. (That appender sometimes catches such a
 * replica up by itself, sometimes not: this test does not depend on either.)
 */
class WipedReplicaOverLinksTest {
  private static final int KEYS = 10;

  @RegisterExtension
  final LocalClusterExtension local =
      new LocalClusterExtension(b -> b.nodes(3).shards(1).manualTime());

  @Test
  void aWipedReplicaOfAnIdleShardCatchesUpOnceItsWatchReportsIt() {
    LocalCluster cluster = local.cluster();
    int leader = cluster.leaderOf(1);
    for (int i = 0; i < KEYS; i++) {
      cluster
          .kv(leader)
          .put(
              PutRequest.newBuilder()
                  .setKey(ByteString.copyFromUtf8("k" + i))
                  .setValue(ByteString.copyFromUtf8("v"))
                  .build());
    }
    int wiped = cluster.followerOf(1);
    cluster.stop(wiped);
    cluster.wipe(wiped);
    cluster.restart(wiped);

    int tickMs = cluster.config(wiped).catchup().tickMs();
    cluster.advance(tickMs);
    cluster.advance(tickMs);
    await("n" + wiped + " caught up after its report")
        .atMost(Duration.ofSeconds(20))
        .ignoreExceptions()
        .until(() -> cluster.replica(wiped, 1).core().keyCount() == KEYS);
  }
}

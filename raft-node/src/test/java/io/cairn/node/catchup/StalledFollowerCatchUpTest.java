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
 * Stalled-follower recovery with time in the test's hands: a replica whose disk was wiped rejoins
 * an idle shard and Ratis's gRPC appender sends it nothing but heartbeats
 * (docs/ratis-workarounds.md, #8); only when its node's watch has looked twice does it report, and
 * the leader's empty entry starts its catch-up. Over Raft links (the default transport) Ratis's
 * other appender catches such a replica up by itself ({@link WipedReplicaOverLinksTest}).
 */
class StalledFollowerCatchUpTest {
  private static final int KEYS = 10;

  @RegisterExtension
  final LocalClusterExtension overGrpc =
      new LocalClusterExtension(
          b -> b.nodes(3).shards(1).manualTime().config("raft.transport", "grpc"));

  @Test
  void aWipedReplicaOfAnIdleShardCatchesUpOnceItsWatchReportsIt() {
    LocalCluster cluster = overGrpc.cluster();
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

    // No writes, no time for Cairn's timers: the empty replica stays empty.
    await("n" + wiped + " stays empty while nothing reports it")
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5))
        .ignoreExceptions()
        .until(() -> cluster.replica(wiped, 1).core().keyCount() == 0);

    int tickMs = cluster.config(wiped).catchup().tickMs();
    cluster.advance(tickMs);
    cluster.advance(tickMs);
    await("n" + wiped + " caught up after its report")
        .atMost(Duration.ofSeconds(20))
        .ignoreExceptions()
        .until(() -> cluster.replica(wiped, 1).core().keyCount() == KEYS);
  }
}

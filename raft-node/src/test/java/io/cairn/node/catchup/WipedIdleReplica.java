package io.cairn.node.catchup;

import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.cairn.node.testing.LocalCluster;
import io.cairn.proto.PutRequest;
import java.time.Duration;

/**
 * The scene of the stalled-follower tests: shard 1 takes a few writes and goes idle, and one of its
 * followers comes back from a wiped disk.
 */
final class WipedIdleReplica {
  static final int KEYS = 10;

  private WipedIdleReplica() {}

  /** Writes the keys, wipes a follower of shard 1 and restarts it; returns that follower. */
  static int wipeAFollowerOfAnIdleShard(LocalCluster cluster) {
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
    return wiped;
  }

  /** Two looks of the node's watch, which then reports; the replica must catch up after it. */
  static void watchReportsAndReplicaCatchesUp(LocalCluster cluster, int wiped) {
    int tickMs = cluster.config(wiped).catchup().tickMs();
    cluster.advance(tickMs);
    cluster.advance(tickMs);
    await("n" + wiped + " caught up after its report")
        .atMost(Duration.ofSeconds(20))
        .ignoreExceptions()
        .until(() -> cluster.replica(wiped, 1).core().keyCount() == KEYS);
  }
}

package io.cairn.node.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.cairn.node.testing.LocalCluster;
import io.cairn.node.testing.LocalClusterExtension;
import io.cairn.proto.PutRequest;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SnapshottingStateMachine on a real in-process cluster: snapshots are taken, the log is purged
 * behind them, and a replica that missed the purged entries catches up from the leader's snapshot,
 * sent in many chunks (LocalClusterExtension then checks it holds the same state as the others).
 */
class SnapshotCatchUpTest {
  private static final int KEYS = 300;

  @RegisterExtension
  final LocalClusterExtension local =
      new LocalClusterExtension(
          b ->
              b.nodes(3)
                  .shards(1)
                  .config("raft.snapshot-every-entries", "50")
                  .config("raft.log-segment-bytes-max", "65536")
                  // ~300 KB of state in 4 KB chunks: Ratis pauses the state machine before every
                  // chunk, so this covers an install of many chunks, as a real shard's would be.
                  .config("raft.snapshot-chunk-bytes-max", "4096"));

  @Test
  void aReplicaBehindThePurgedLogCatchesUpFromASnapshot() {
    LocalCluster cluster = local.cluster();
    int leader = cluster.settledLeaderOf(1);
    int behind = cluster.followerOf(1);
    cluster.stop(behind);
    String value = "v".repeat(1_000);
    for (int i = 0; i < KEYS; i++) {
      cluster
          .kv(leader)
          .put(
              PutRequest.newBuilder()
                  .setKey(ByteString.copyFromUtf8("k" + i))
                  .setValue(ByteString.copyFromUtf8(value))
                  .build());
    }
    var gid = cluster.groupOf(1);
    await("the leader purged its log behind a snapshot")
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                cluster.node(leader).host().division(gid).orElseThrow().getRaftLog().getStartIndex()
                    > 1);

    cluster.restart(behind);
    // The leader began its install while this replica was down. With Ratis's default snapshot
    // window its appender then waited 24 s before sending anything again (RaftSettings
    // .snapshotChunkTimeoutMs); 15 s fails that and leaves room for a slow CI machine.
    await("n" + behind + " caught up")
        .atMost(Duration.ofSeconds(15))
        .ignoreExceptions()
        .until(() -> cluster.replica(behind, 1).core().keyCount() == KEYS);
    assertThat(cluster.replica(behind, 1).getLatestSnapshot())
        .as("installed or taken a snapshot")
        .isNotNull();
  }
}

package io.cairn.node.replica;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.node.runtime.NodeClock;
import io.cairn.node.testing.LocalCluster;
import io.cairn.node.testing.LocalClusterExtension;
import io.cairn.proto.PutRequest;
import io.cairn.proto.WriteId;
import io.cairn.proto.internal.BatchResult;
import io.cairn.proto.internal.CommandBatch;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 8, item 2: the time in a shard's log entry is the proposing leader's, whatever the path the
 * write took, so a node whose clock runs ahead cannot expire every client session (and with them
 * exactly-once) on every replica.
 */
class LeaderTimeTest {
  /** Longer than a session may stay idle (ClientSessions.SESSION_IDLE_MS_MAX is one hour). */
  private static final long SKEW_MS = Duration.ofHours(3).toMillis();

  private static final ByteString CLIENT = ByteString.copyFromUtf8("client-one-16-by");

  @RegisterExtension
  final LocalClusterExtension local =
      new LocalClusterExtension(
          b ->
              b.nodes(3)
                  .shards(1)
                  // Every node but n1 runs hours ahead; n1 is made the leader below.
                  .clocks(i -> i == 1 ? NodeClock.system() : NodeClock.system().skewedBy(SKEW_MS)));

  private static PutRequest put(String key, String value, ByteString client, long sequence) {
    return PutRequest.newBuilder()
        .setKey(ByteString.copyFromUtf8(key))
        .setValue(ByteString.copyFromUtf8(value))
        .setWriteId(WriteId.newBuilder().setClientId(client).setSequence(sequence).setAckedBelow(1))
        .build();
  }

  @Test
  void aWriteThroughAFollowerWithAFastClockExpiresNoSession() {
    LocalCluster cluster = local.cluster();
    int leader = Leadership.moveTo(cluster, 1, 1);
    long first = cluster.kv(leader).put(put("a", "1", CLIENT, 1)).getVersion();

    int fastFollower = cluster.followerOf(1);
    cluster.kv(fastFollower).put(put("b", "x", ByteString.copyFromUtf8("client-two-16-by"), 1));

    // The first client retries its write: still remembered, so answered from its session, not
    // applied again.
    long retried = cluster.kv(leader).put(put("a", "1", CLIENT, 1)).getVersion();
    assertThat(retried)
        .as("version of a retried write (first applied at %d)", first)
        .isEqualTo(first);
  }

  /**
   * Issue 11, item 2: a leader whose own clock runs hours ahead stamps its entries, but entry time
   * may run at most twice as fast as real time (EntryClock), so the session the first leader's
   * entries kept alive does not expire the moment leadership moves.
   */
  @Test
  void aLeaderWhoseClockIsHoursAheadExpiresNoSession() {
    LocalCluster cluster = local.cluster();
    int leader = Leadership.moveTo(cluster, 1, 1);
    long first = cluster.kv(leader).put(put("a", "1", CLIENT, 1)).getVersion();

    int fast = Leadership.moveTo(cluster, 1, cluster.followerOf(1));
    assertThat(fast).isNotEqualTo(1);
    cluster.kv(fast).put(put("b", "x", ByteString.copyFromUtf8("client-two-16-by"), 1));

    long retried = cluster.kv(fast).put(put("a", "1", CLIENT, 1)).getVersion();
    assertThat(retried)
        .as("version of a retried write (first applied at %d)", first)
        .isEqualTo(first);
  }

  @Test
  void anEntryProposedWithAFarFutureTimeIsStampedWithTheLeadersTime() throws Exception {
    LocalCluster cluster = local.cluster();
    int leader = Leadership.moveTo(cluster, 1, 1);
    long first = cluster.kv(leader).put(put("a", "1", CLIENT, 1)).getVersion();

    // What a raw Ratis client or a confused node could propose: an entry claiming a far-future
    // time.
    byte[] future =
        CommandBatch.newBuilder()
            .setProposedAtMs(System.currentTimeMillis() + SKEW_MS)
            .build()
            .toByteArray();
    var reply = cluster.node(leader).host().submitWrite(cluster.groupOf(1), future, 5_000).get();
    assertThat(reply.isSuccess()).isTrue();
    assertThat(
            BatchResult.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer())
                .getResultsCount())
        .isZero();

    long retried = cluster.kv(leader).put(put("a", "1", CLIENT, 1)).getVersion();
    assertThat(retried)
        .as("version of a retried write (first applied at %d)", first)
        .isEqualTo(first);
  }
}

package io.cairn.node.replica;

import static io.cairn.node.testing.Requests.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.cairn.node.testing.LocalCluster;
import io.cairn.node.testing.LocalClusterExtension;
import io.cairn.proto.Consistency;
import io.cairn.proto.GetRequest;
import io.cairn.proto.ReplicaStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 8, item 1: a committed entry that a replica cannot apply stops that replica for real (it
 * must not step past the entry and diverge), and the node says so in its status, /health and
 * metrics, while it keeps serving through the other replicas.
 */
class ApplyFailureTest {
  @RegisterExtension
  final LocalClusterExtension local = new LocalClusterExtension(b -> b.nodes(3).shards(1));

  @Test
  void aReplicaThatCannotApplyAnEntryStopsAndSaysWhy() throws Exception {
    LocalCluster cluster = local.cluster();
    int leader = cluster.settledLeaderOf(1);
    int broken = cluster.followerOf(1);
    cluster.kv(leader).put(put("before", "1"));
    local.brokeOnPurpose(broken, 1);

    // A broken invariant in one replica: its core believes it is far ahead, so applying the next
    // committed entry throws (as a bug or a corrupt store would).
    cluster.replica(broken, 1).core().advanceAppliedIndex(1L << 40);
    long version = cluster.kv(leader).put(put("after", "2")).getVersion();
    assertThat(version).isPositive();

    var gid = cluster.groupOf(1);
    await("n" + broken + " reports its replica FAILED")
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                cluster
                    .node(broken)
                    .statusReader()
                    .replica(gid)
                    .map(ReplicaStatus::getRole)
                    .orElse(""),
            "FAILED"::equals);
    ReplicaStatus status = cluster.node(broken).statusReader().replica(gid).orElseThrow();
    assertThat(status.getFailure())
        .contains("shard 1")
        .contains("cannot apply committed entry")
        .contains("stopped");
    assertThat(cluster.node(broken).host().division(gid).orElseThrow().getInfo().isAlive())
        .as("Ratis closed the replica")
        .isFalse();
    assertThat(cluster.halted(broken)).as("the node itself keeps running").isEmpty();

    HttpResponse<String> health =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:"
                                + cluster.config(broken).node().httpPort()
                                + "/health"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(503);
    assertThat(health.body())
        .contains("\"role\":\"FAILED\"")
        .contains("cannot apply committed entry");

    // The node still answers for the shard, from the leader, never from its stopped replica.
    var got =
        cluster
            .kv(broken)
            .get(
                GetRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("after"))
                    .setConsistency(Consistency.EVENTUAL)
                    .build());
    assertThat(got.getVersion()).isEqualTo(version);
    assertThat(cluster.kv(broken).put(put("through-the-broken-node", "3")).getVersion())
        .isGreaterThan(version);
  }
}

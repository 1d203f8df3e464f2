package io.cairn.node.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.cairn.node.runtime.NodeClock;
import io.cairn.node.testing.LocalCluster;
import io.cairn.node.testing.LocalClusterExtension;
import io.cairn.proto.Consistency;
import io.cairn.proto.GetRequest;
import io.cairn.proto.PutRequest;
import io.cairn.proto.internal.ConfirmLeadershipRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.ratis.protocol.RaftGroupId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Read leases (read.lease-enabled, ReadLease) on a real in-process cluster. */
class ReadLeaseClusterTest {
  private static final int ELECTION_TIMEOUT_MS_MIN = 300; // the default

  /** The system clock, which the test can stop and move forward at once on one node. */
  static final class JumpingClock implements NodeClock {
    private volatile long offsetNanos;
    private volatile long frozenAt = -1;

    @Override
    public long wallMs() {
      return System.currentTimeMillis();
    }

    @Override
    public long nanoTime() {
      long frozen = frozenAt;
      return (frozen >= 0 ? frozen : System.nanoTime()) + offsetNanos;
    }

    /** From now on the monotonic clock stands still, until it jumps. */
    void freeze() {
      frozenAt = System.nanoTime();
    }

    void jump(long ms) {
      offsetNanos += TimeUnit.MILLISECONDS.toNanos(ms);
    }
  }

  private final JumpingClock[] clocks = {
    new JumpingClock(), new JumpingClock(), new JumpingClock(), new JumpingClock()
  };

  @RegisterExtension
  final LocalClusterExtension local =
      new LocalClusterExtension(
          b ->
              b.nodes(3)
                  .shards(1)
                  .config("read.lease-enabled", "true")
                  .config("raft.election-timeout-ms-min", Integer.toString(ELECTION_TIMEOUT_MS_MIN))
                  .clocks(i -> clocks[i]));

  private static void put(LocalCluster cluster, int node, String key, String value) {
    cluster
        .kv(node)
        .put(
            PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(key))
                .setValue(ByteString.copyFromUtf8(value))
                .build());
  }

  private static String linearizableGet(LocalCluster cluster, int node, String key) {
    return cluster
        .kv(node)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .get(
            GetRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(key))
                .setConsistency(Consistency.LINEARIZABLE)
                .build())
        .getValue()
        .toStringUtf8();
  }

  private static double leaseReads(LocalCluster cluster, int node) {
    Matcher m =
        Pattern.compile("(?m)^cairn_read_lease_total\\{[^}]*} (\\S+)$")
            .matcher(cluster.metrics(node));
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  /** Reads "k" (which holds "v1") from the leader until one of them is served under a lease. */
  private static void awaitLeaseReadsAbove(LocalCluster cluster, int leader, double count) {
    await("a read served under the lease")
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              assertThat(linearizableGet(cluster, leader, "k")).isEqualTo("v1");
              return leaseReads(cluster, leader) > count;
            });
  }

  private static long termOf(LocalCluster cluster, int node, RaftGroupId gid) {
    return cluster.node(node).host().division(gid).orElseThrow().getInfo().getCurrentTerm();
  }

  /** A barrier's confirmation: a yes only from a replica that holds the entry in that term. */
  @Test
  void aReplicaConfirmsABarrierOnlyOnceItHoldsItOnDisk() {
    LocalCluster cluster = local.cluster();
    int leader = cluster.settledLeaderOf(1);
    int follower = cluster.followerOf(1);
    RaftGroupId gid = cluster.groupOf(1);
    put(cluster, leader, "k", "v1");
    var leaderDivision = cluster.node(leader).host().division(gid).orElseThrow();
    long term = leaderDivision.getInfo().getCurrentTerm();
    long written = leaderDivision.getRaftLog().getLastCommittedIndex();
    await("the follower holds the write")
        .atMost(Duration.ofSeconds(20))
        .until(() -> confirms(cluster, follower, gid, term, "n" + leader, written));
    assertThat(confirms(cluster, follower, gid, term, "n" + leader, written + 1_000))
        .as("an entry it does not hold")
        .isFalse();
    assertThat(confirms(cluster, follower, gid, term - 1, "n" + leader, written))
        .as("another term")
        .isFalse();
  }

  private static boolean confirms(
      LocalCluster cluster, int node, RaftGroupId gid, long term, String leaderId, long barrier) {
    return cluster
        .peerApi(node)
        .confirmLeadership(
            ConfirmLeadershipRequest.newBuilder()
                .setGroupId(gid.getUuid().toString())
                .setTerm(term)
                .setLeaderId(leaderId)
                .setTargetId("n" + node)
                .setBarrierIndex(barrier)
                .build())
        .getConfirmed();
  }

  @Test
  void readsUnderTheLeaseSeeEveryWriteBeforeThem() {
    LocalCluster cluster = local.cluster();
    int leader = cluster.settledLeaderOf(1);
    for (int i = 0; i < 100; i++) {
      put(cluster, leader, "k", "v" + i);
      assertThat(linearizableGet(cluster, leader, "k")).isEqualTo("v" + i);
    }
    assertThat(leaseReads(cluster, leader)).as("reads served under the lease").isPositive();
  }

  /**
   * The lease's whole point of safety: it must have run out by the time the others may elect
   * someone else, which is at the earliest one minimum election timeout after the leader proposed
   * the barrier it rests on. The leader's clock stands still and then jumps by that much: the next
   * read must run a round of its own (and proposes a barrier), and a later one rides on the new
   * lease.
   */
  @Test
  void theLeaseRunsOutWithinAnElectionTimeoutOfItsBarrier() {
    LocalCluster cluster = local.cluster();
    int leader = cluster.settledLeaderOf(1);
    put(cluster, leader, "k", "v1");
    awaitLeaseReadsAbove(cluster, leader, 0);
    clocks[leader].freeze();
    clocks[leader].jump(ELECTION_TIMEOUT_MS_MIN);
    double before = leaseReads(cluster, leader);
    assertThat(linearizableGet(cluster, leader, "k")).isEqualTo("v1");
    assertThat(leaseReads(cluster, leader)).as("a read past the lease").isEqualTo(before);
    awaitLeaseReadsAbove(cluster, leader, before);
  }

  /**
   * A lease is about the majorities of the configuration its barrier committed in: a new Raft
   * configuration (here only the priorities change) ends it, and the next read runs a round.
   */
  @Test
  void aNewRaftConfigurationEndsTheLease() throws Exception {
    LocalCluster cluster = local.cluster();
    int leader = cluster.settledLeaderOf(1);
    RaftGroupId gid = cluster.groupOf(1);
    put(cluster, leader, "k", "v1");
    awaitLeaseReadsAbove(cluster, leader, 0);
    // Priority 2 for the leader: unlike a new group's first configuration (its preferred replica
    // at 1) and Cairn's own (all 0), so Ratis does not take it for "no change".
    Map<String, Integer> voters = new LinkedHashMap<>();
    for (int i : cluster.replicasOf(1)) {
      voters.put("n" + i, i == leader ? 2 : 0);
    }
    var division = cluster.node(leader).host().division(gid).orElseThrow();
    long confBefore = division.getRaftConf().getLogEntryIndex();
    // Retried: Cairn's own change of a new group's priorities may win the compare-and-set.
    await("the new configuration")
        .atMost(Duration.ofSeconds(20))
        .ignoreExceptions()
        .until(
            () -> {
              cluster
                  .node(leader)
                  .host()
                  .proposeVoters(gid, voters, cluster.map())
                  .get(10, TimeUnit.SECONDS);
              return division.getRaftConf().getLogEntryIndex() > confBefore;
            });
    double before = leaseReads(cluster, leader);
    assertThat(linearizableGet(cluster, leader, "k")).isEqualTo("v1");
    assertThat(leaseReads(cluster, leader))
        .as("the first read in the new configuration")
        .isEqualTo(before);
  }

  /** With leases on, a leader cut off from its majority still stops answering. */
  @Test
  void aLeaderCutOffStopsServingReads() {
    LocalCluster cluster = local.cluster();
    int leader = cluster.settledLeaderOf(1);
    put(cluster, leader, "k", "v1");
    assertThat(linearizableGet(cluster, leader, "k")).isEqualTo("v1");
    cluster.replicasOf(1).stream().filter(i -> i != leader).forEach(cluster::stop);
    clocks[leader].jump(ELECTION_TIMEOUT_MS_MIN);
    assertThatThrownBy(() -> linearizableGet(cluster, leader, "k"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e ->
                assertThat(e.getStatus().getCode())
                    .isIn(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED));
  }

  /** A hand-over's target campaigns at once: the lease's ground is gone for the term. */
  @Test
  void aLeaderThatStartsAHandOverGivesUpItsLeaseForTheTerm() throws Exception {
    LocalCluster cluster = local.cluster();
    int leader = cluster.settledLeaderOf(1);
    int follower = cluster.followerOf(1);
    RaftGroupId gid = cluster.groupOf(1);
    long term = termOf(cluster, leader, gid);
    var host = cluster.node(leader).host();
    assertThat(host.handOverStarted(gid, term)).isFalse();
    var handOver = host.transferLeadership(gid, "n" + follower, 3_000);
    assertThat(host.handOverStarted(gid, term)).isTrue();
    if (!handOver.isDone()) {
      assertThat(host.handOverStarted(gid, term + 5)).as("while Ratis has not answered").isTrue();
    }
    handOver.handle((v, e) -> null).get(10, TimeUnit.SECONDS);
    assertThat(host.handOverStarted(gid, term)).isTrue();
  }
}

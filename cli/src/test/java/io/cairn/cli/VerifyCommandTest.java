package io.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.cli.CairnCtlRunner.Run;
import io.cairn.client.FakeCluster;
import io.cairn.proto.ReplicaDigest;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** cairnctl verify against the fake cluster, and its verdicts on their own. */
class VerifyCommandTest {
  private final FakeCluster cluster = new FakeCluster(3, 2, 3);
  private final CairnCtlRunner runner = new CairnCtlRunner(cluster);

  @AfterEach
  void tearDown() {
    cluster.close();
  }

  @Test
  void replicasThatAgreeExitZeroWithOneLinePerShard() {
    Run verify = runner.run("verify");
    assertThat(verify.code()).as(verify.err()).isZero();
    assertThat(verify.out().lines().toList())
        .hasSize(2)
        .allMatch(l -> l.matches("shard [12] @\\d+: agree: 3 replicas \\(n\\d n\\d n\\d\\), .*"));
  }

  @Test
  void aCorruptReplicaIsNamedAndTheExitCodeIsSix() {
    cluster.corruptReplica("n2", 2);
    Run verify = runner.run("verify");
    assertThat(verify.code()).isEqualTo(6);
    assertThat(verify.out())
        .containsPattern("(?m)^shard 1 @\\d+: agree")
        .containsPattern("(?m)^shard 2 @\\d+: DIVERGED: n2 differs from the majority$")
        .containsPattern("(?m)^  n2 RECORDED [0-9a-f]{16} \\d+ keys  <- differs$");
  }

  @Test
  void theMarkerGoesToTheLeaderEvenWhenTheClientAsksAnotherNodeFirst() {
    cluster.moveLeaderQuietly(1, "n3");
    Run verify = runner.run("verify", "--shard", "1");
    assertThat(verify.code()).as(verify.err()).isZero();
    assertThat(verify.out()).startsWith("shard 1 @");
  }

  @Test
  void anUnreachableReplicaMakesItIncompleteWithExitFour() {
    cluster.stop("n3");
    Run verify = runner.run("--timeout-ms", "2000", "verify", "--shard", "1");
    assertThat(verify.code()).isEqualTo(4);
    assertThat(verify.out())
        .containsPattern("(?m)^shard 1 @\\d+: INCOMPLETE")
        .containsPattern("(?m)^  n3 UNREACHABLE: ");
  }

  @Test
  void jsonNamesTheVerdictAndEveryReplica() {
    cluster.corruptReplica("n1", 1);
    Run verify = runner.run("-o", "json", "verify", "--shard", "1");
    assertThat(verify.code()).isEqualTo(6);
    assertThat(verify.out())
        .startsWith("{\"shards\":[{\"shard_id\":1,")
        .contains("\"verdict\":\"diverged\"", "\"outliers\":[\"n1\"]", "\"node_id\":\"n3\"");
  }

  @Test
  void anUnknownShardIsAUsageError() {
    Run verify = runner.run("verify", "--shard", "9");
    assertThat(verify.code()).isEqualTo(2);
    assertThat(verify.err()).contains("has no shard [9]");
  }

  private static VerifyReport.Replica recorded(String node, String digest) {
    return new VerifyReport.Replica(
        node,
        ReplicaDigest.newBuilder()
            .setState(ReplicaDigest.State.RECORDED)
            .setDigest(ByteString.copyFromUtf8(digest))
            .build(),
        null);
  }

  @Test
  void withoutAMajorityEveryReplicaIsShownAndNoneBlamed() {
    VerifyReport r =
        new VerifyReport(1, 10, null, List.of(recorded("n1", "a"), recorded("n2", "b")));
    assertThat(r.verdict()).isEqualTo(VerifyReport.Verdict.DIVERGED);
    assertThat(r.outliers()).isEmpty();
    assertThat(r.lines().get(0)).endsWith("DIVERGED: no majority digest");
  }

  @Test
  void aReplicaThatHasNotAppliedTheMarkerLeavesItIncompleteNotDiverged() {
    VerifyReport r =
        new VerifyReport(
            1,
            10,
            null,
            List.of(
                recorded("n1", "a"),
                recorded("n2", "a"),
                new VerifyReport.Replica(
                    "n3",
                    ReplicaDigest.newBuilder()
                        .setState(ReplicaDigest.State.NOT_APPLIED_YET)
                        .build(),
                    null)));
    assertThat(r.verdict()).isEqualTo(VerifyReport.Verdict.INCOMPLETE);
    assertThat(VerifyCommand.exitCode(List.of(r))).isEqualTo(ExitCodes.UNAVAILABLE);
  }
}

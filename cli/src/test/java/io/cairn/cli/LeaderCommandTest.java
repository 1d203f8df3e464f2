package io.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cli.CairnCtlRunner.Run;
import io.cairn.client.FakeCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** cairnctl leader transfer against the fake cluster. */
class LeaderCommandTest {
  private final FakeCluster cluster =
      new FakeCluster(4, 2, 3); // shard 1 on n1-n3, shard 2 on n2-n4
  private final CairnCtlRunner runner = new CairnCtlRunner(cluster);

  @AfterEach
  void tearDown() {
    cluster.close();
  }

  @Test
  void transferPrintsTheNewPreferredLeaderAndWaitsUntilItLeads() {
    Run r = runner.run("leader", "transfer", "1", "n2", "--wait");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out().lines())
        .containsExactly("shard 1: n2 is the preferred leader (map epoch 2)", "shard 1: n2 leads");
  }

  @Test
  void aNodeWithoutAReplicaIsRefusedInOneLine() {
    Run r = runner.run("leader", "transfer", "1", "n4");
    assertThat(r.code()).isEqualTo(5);
    assertThat(r.errLines())
        .singleElement()
        .satisfies(
            l ->
                assertThat(l)
                    .startsWith("cairnctl: leader transfer: ")
                    .contains("shard 1 has no replica on node 'n4'"));
  }

  @Test
  void jsonHasTheEpochAndWhetherItLeads() {
    Run r = runner.run("-o", "json", "leader", "transfer", "2", "n3", "--wait");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .isEqualTo("{\"shard_id\":2,\"node_id\":\"n3\",\"map_epoch\":2,\"leads\":true}\n");
  }

  @Test
  void waitingOnTheMetaGroupIsAUsageError() {
    Run r = runner.run("leader", "transfer", "0", "n2", "--wait");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--wait needs a data shard");
  }
}

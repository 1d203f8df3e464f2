package io.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cli.CairnCtlRunner.Run;
import io.cairn.client.FakeCluster;
import io.cairn.proto.NodeState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** cairnctl node add / drain / remove / replace and shard move against the fake cluster. */
class NodeChangesTest {
  private final FakeCluster cluster = new FakeCluster(4, 2, 3);
  private final CairnCtlRunner runner = new CairnCtlRunner(cluster);

  @AfterEach
  void tearDown() {
    cluster.close();
  }

  @Test
  void addPrintsTheNewMember() {
    Run r = runner.run("node", "add", "n5", "10.0.0.5:7000:7001:7002:7003");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("n5 is an active member (map epoch ");
    assertThat(cluster.map().getNodesList()).anyMatch(n -> n.getId().equals("n5"));
  }

  @Test
  void aNodeMayNameTheHostItsClientsDial() {
    Run r = runner.run("node", "add", "n6", "10.0.0.6:7000:7001:7002:7003/db6.example.com");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(cluster.map().getNodesList())
        .filteredOn(n -> n.getId().equals("n6"))
        .singleElement()
        .satisfies(
            n -> {
              assertThat(n.getHost()).isEqualTo("10.0.0.6");
              assertThat(n.getClientHost()).isEqualTo("db6.example.com");
              assertThat(n.getPeerPort()).isEqualTo(7003);
            });
    assertThat(runner.run("node", "add", "n7", "10.0.0.7:7000:7001:7002:7003/").code())
        .isEqualTo(2);
  }

  @Test
  void aMalformedAddressIsAUsageError() {
    Run r = runner.run("node", "add", "n5", "10.0.0.5:7000");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("HOST:RAFT_PORT:CLIENT_PORT:HTTP_PORT");
  }

  @Test
  void drainWaitsShowingEachMoveUntilTheNodeIsEmpty() {
    Run r = runner.run("node", "drain", "n2", "--wait", "--wait-ms", "20000");
    assertThat(r.code()).as(r.out() + r.err() + cluster.map()).isZero();
    assertThat(r.out().lines().findFirst().orElseThrow()).startsWith("n2 is draining (map epoch ");
    assertThat(r.out()).contains("shard ").contains("n2 -> ");
    assertThat(r.out().lines().reduce((a, b) -> b).orElseThrow())
        .isEqualTo("n2 holds no replica; remove it with: cairnctl node remove n2");
    assertThat(cluster.map().getShardsList()).noneMatch(s -> s.getReplicasList().contains("n2"));
    assertThat(cluster.map().getNodesList())
        .filteredOn(n -> n.getId().equals("n2"))
        .singleElement()
        .satisfies(n -> assertThat(n.getState()).isEqualTo(NodeState.NODE_DRAINING));
  }

  @Test
  void removingANodeThatHoldsReplicasIsRefusedWithExitSeven() {
    Run r = runner.run("node", "remove", "n2");
    assertThat(r.code()).isEqualTo(7);
    assertThat(r.errLines())
        .singleElement()
        .satisfies(
            l -> assertThat(l).startsWith("cairnctl: node remove: ").contains("drain it first"));
  }

  @Test
  void forceOnANodeThatAnswersIsRefused() {
    Run r = runner.run("node", "remove", "n2", "--force");
    assertThat(r.code()).isEqualTo(7);
    assertThat(r.err()).contains("n2 is up and answering");
    Run replace = runner.run("node", "replace", "n2", "n9", "10.0.0.9:7000:7001:7002:7003");
    assertThat(replace.code()).isEqualTo(7);
    assertThat(replace.err()).contains("drain it instead");
  }

  @Test
  void replaceOfADeadNodeAddsTheNewOneAndMovesEverythingOff() {
    cluster.stop("n4");
    Run r =
        runner.run(
            "node",
            "replace",
            "n4",
            "n9",
            "10.0.0.9:7000:7001:7002:7003",
            "--wait",
            "--wait-ms",
            "20000");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("n9 replaces n4 (map epoch ");
    assertThat(cluster.map().getShardsList()).noneMatch(s -> s.getReplicasList().contains("n4"));
  }

  @Test
  void shardMoveWaitsUntilTheMoveIsDone() {
    String from = cluster.map().getShards(0).getReplicas(0);
    Run r = runner.run("shard", "move", "1", from, "n4", "--wait", "--wait-ms", "20000");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out().lines().findFirst().orElseThrow())
        .startsWith("shard 1: moving " + from + " -> n4 (map epoch ");
    assertThat(cluster.map().getShards(0).getReplicasList()).contains("n4").doesNotContain(from);
  }

  @Test
  void shardMoveNeedsBothNodesOrCancel() {
    Run r = runner.run("shard", "move", "1", "n1");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("give FROM and TO, or --cancel");
    Run cancel = runner.run("-o", "json", "shard", "move", "1", "--cancel");
    assertThat(cancel.code()).isZero();
    assertThat(cancel.out()).startsWith("{\"changed\":\"shard 1: no move in progress");
  }
}

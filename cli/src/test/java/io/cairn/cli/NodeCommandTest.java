package io.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cli.CairnCtlRunner.Run;
import io.cairn.client.FakeCluster;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** cairnctl node list against the fake cluster. */
class NodeCommandTest {
  // Shards 1-4 on 3 of 4 nodes each; shard s is led by its first replica, n<s>.
  private final FakeCluster cluster = new FakeCluster(4, 4, 3);
  private final CairnCtlRunner runner = new CairnCtlRunner(cluster);

  @AfterEach
  void tearDown() {
    cluster.close();
  }

  @Test
  void listShowsEveryNodeWithItsReplicasLeadersAndEpoch() {
    Run r = runner.run("node", "list");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .containsPattern("(?m)^NODE +ADDRESS +STATE +REPLICAS +LEADERS +MAP_EPOCH$")
        // 3 shard replicas each; the meta group on n1-n3.
        .containsPattern("(?m)^n1 +n1:7001 +up +4 +1 +1$")
        .containsPattern("(?m)^n4 +n4:7001 +up +3 +1 +1$");
  }

  @Test
  void aDownNodeIsListedWithItsReasonAndTheExitCodeStaysZero() {
    cluster.stop("n4", "UNAVAILABLE: io exception");
    Run r = runner.run("--endpoints", "n1:7001", "node", "list");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .containsPattern("(?m)^n4 +n4:7001 +down +3 +1 +-$")
        .contains("n4 down: UNAVAILABLE: io exception");
  }

  @Test
  void aDownNodeSaysSinceWhenTheMetaLeaderHasNotReachedIt() {
    cluster.stop("n4", "UNAVAILABLE: io exception");
    cluster.reportDownSince("n4", Instant.parse("2026-12-05T01:50:12.345Z").toEpochMilli());
    Run r = runner.run("node", "list");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .containsPattern("(?m)^n4 +n4:7001 +down +3 +1 +-$")
        .containsPattern(
            "n4 down since 2026-12-05T01:50:12Z \\([0-9hms ]+ ago, as n1 sees it\\):"
                + " UNAVAILABLE: io exception");
    Run json = runner.run("-o", "json", "node", "list");
    assertThat(json.out())
        .contains("\"unreached_by\":\"n1\",\"unreached_since\":\"2026-12-05T01:50:12.345Z\"");
  }

  @Test
  void aNodeTheMetaLeaderCannotReachIsFlaggedThoughItAnswersHere() {
    cluster.reportDownSince("n3", Instant.parse("2026-12-05T01:50:12Z").toEpochMilli());
    Run r = runner.run("node", "list");
    assertThat(r.out())
        .containsPattern("(?m)^n3 +n3:7001 +up ")
        .contains("n3 answers here, but the meta group's leader has not reached it since");
  }

  @Test
  void agesReadAsAnOperatorWouldSayThem() {
    assertThat(NodeCommand.ago(Duration.ofSeconds(45))).isEqualTo("45s ago");
    assertThat(NodeCommand.ago(Duration.ofSeconds(12 * 60 + 5))).isEqualTo("12m 5s ago");
    assertThat(NodeCommand.ago(Duration.ofMinutes(3 * 60 + 2))).isEqualTo("3h 2m ago");
    assertThat(NodeCommand.ago(Duration.ofSeconds(-3))).isEqualTo("0s ago");
  }

  @Test
  void drainingAndRemovedNodesSaySo() {
    assertThat(runner.run("node", "drain", "n4").code()).isZero();
    assertThat(runner.run("node", "list").out()).containsPattern("(?m)^n4 +n4:7001 +draining ");
    cluster.stop("n4", "UNAVAILABLE: io exception");
    assertThat(runner.run("node", "remove", "n4", "--force").code()).isZero();
    Run r = runner.run("node", "list");
    assertThat(r.out()).containsPattern("(?m)^n4 +n4:7001 +removed ").doesNotContain("n4 down");
  }

  @Test
  void jsonListsTheNodes() {
    Run r = runner.run("-o", "json", "node", "list");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .startsWith("{\"map_epoch\":1,\"nodes\":[{\"node_id\":\"n1\",\"address\":\"n1:7001\"")
        .contains("\"state\":\"up\",\"replicas\":4,\"leaders\":1,\"map_epoch\":1}");
  }
}

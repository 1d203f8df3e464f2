package io.cairn.tests.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RoundsSummaryTest {
  private static String line(String target, int round, String rest) {
    return "BENCH round="
        + round
        + " target="
        + target
        + " generator=ycsb workload=put clients=1 "
        + rest;
  }

  @Test
  void mediansPerStoreAndTheRoundsCairnWon() {
    List<String> out =
        RoundsSummary.summarize(
            List.of(
                line("cairn", 1, "ops_per_s=900 update_p50_ms=1.000 server_cpu_ms_per_op=1.5"),
                line("etcd", 1, "ops_per_s=950 update_p50_ms=1.100 server_cpu_ms_per_op=1.4"),
                line("etcd", 2, "ops_per_s=800 update_p50_ms=1.200 server_cpu_ms_per_op=1.3"),
                line("cairn", 2, "ops_per_s=850 update_p50_ms=1.300 server_cpu_ms_per_op=1.2"),
                line("cairn", 3, "ops_per_s=1000 update_p50_ms=0.900 server_cpu_ms_per_op=1.6"),
                line("etcd", 3, "ops_per_s=990 update_p50_ms=0.950 server_cpu_ms_per_op=1.7"),
                "a line that is not a point"));

    assertThat(out).hasSize(1);
    String s = out.get(0);
    assertThat(s)
        .startsWith(
            "SUMMARY workload=put clients=1 rounds=3 cairn_failed_ops=0 etcd_failed_ops=0 ");
    // Cairn 850/900/1000, etcd 800/950/990: Cairn faster in rounds 2 and 3.
    assertThat(s).contains("cairn_ops_per_s=900 etcd_ops_per_s=950 cairn_better_ops_per_s=2/3");
    // Latency: lower is better; Cairn lower in rounds 1 and 3.
    assertThat(s)
        .contains(
            "cairn_update_p50_ms=1.000 etcd_update_p50_ms=1.100 cairn_better_update_p50_ms=2/3");
    // CPU: Cairn lower in rounds 2 and 3.
    assertThat(s).contains("cairn_better_server_cpu_ms_per_op=2/3");
    assertThat(s).doesNotContain("read_p50_ms").doesNotContain("update_p99_ms");
  }

  @Test
  void aRoundOnlyOneStoreFinishedCountsInItsMedianButNotInTheWins() {
    String s =
        RoundsSummary.summarize(
                List.of(
                    line("cairn", 1, "update_p50_ms=1.0"),
                    line("etcd", 1, "update_p50_ms=2.0"),
                    line("cairn", 2, "update_p50_ms=3.0"),
                    line("cairn", 3, "update_p50_ms=n/a")))
            .get(0);

    assertThat(s).contains("rounds=3");
    assertThat(s).contains("cairn_update_p50_ms=2.000 etcd_update_p50_ms=2.000");
    assertThat(s).contains("cairn_better_update_p50_ms=1/1");
  }

  @Test
  void pointsAreSummedUpApartInTheOrderTheyCame() {
    List<String> out =
        RoundsSummary.summarize(
            List.of(
                "BENCH round=1 target=cairn workload=put clients=64 ops_per_s=10000",
                "BENCH round=1 target=cairn workload=put clients=1 ops_per_s=900",
                "BENCH round=1 target=etcd workload=put clients=64 ops_per_s=6000"));

    assertThat(out).hasSize(2);
    assertThat(out.get(0)).contains("clients=64").contains("cairn_better_ops_per_s=1/1");
    assertThat(out.get(1)).contains("clients=1").contains("etcd_ops_per_s=n/a");
    assertThat(out.get(1)).doesNotContain("cairn_better");
  }

  @Test
  void failedOperationsAreSummedPerStore() {
    String s =
        RoundsSummary.summarize(
                List.of(
                    line("cairn", 1, "ops_per_s=900 update_failed_ops=3"),
                    line("etcd", 1, "ops_per_s=950"),
                    line("cairn", 2, "ops_per_s=900 update_failed_ops=4 read_failed_ops=1")))
            .get(0);

    assertThat(s).contains("cairn_failed_ops=8 etcd_failed_ops=0");
  }

  @Test
  void aPointWithoutItsRoundIsRefusedWithTheLine() {
    assertThatThrownBy(
            () -> RoundsSummary.summarize(List.of("BENCH target=cairn workload=put clients=1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("target=cairn workload=put clients=1");
  }

  @Test
  void theMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
    assertThat(RoundsSummary.median(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo("2.500");
    assertThat(RoundsSummary.median(List.of(1200.0, 1000.0))).isEqualTo("1100");
    assertThat(RoundsSummary.median(List.of())).isEqualTo("n/a");
  }
}

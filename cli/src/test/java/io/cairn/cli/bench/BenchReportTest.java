package io.cairn.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.io.StringWriter;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class BenchReportTest {
  private static BenchPlan plan(BenchPlan.Workload workload) {
    return new BenchPlan(
        4, 10, 2, workload, 0.5, 1000, 16, 256, ReadConsistency.LINEARIZABLE, false, 1, 1);
  }

  @Test
  void percentilesOfAUniformSpreadOfLatencies() {
    Histogram h = new Histogram(3);
    for (int ms = 1; ms <= 1000; ms++) {
      h.recordValue(ms * 1000L); // recorded in microseconds
    }
    BenchReport r = new BenchReport(plan(BenchPlan.Workload.PUT), 0, 1000, Map.of(), 10, h, null);
    assertThat(r.percentileMs(50)).isCloseTo(500, within(0.5));
    assertThat(r.percentileMs(99)).isCloseTo(990, within(1.0));
    assertThat(r.percentileMs(99.9)).isCloseTo(999, within(1.0));
    assertThat(r.maxMs()).isCloseTo(1000, within(1.0));
    assertThat(r.opsPerSecond()).isEqualTo(100.0);
  }

  @Test
  void theSummaryLineHasExactNumbers() {
    Histogram h = new Histogram(3);
    h.recordValueWithCount(1000, 95); // 1 ms
    h.recordValueWithCount(1500, 4); // 1.5 ms
    h.recordValue(2000); // 2 ms
    BenchReport r =
        new BenchReport(
            plan(BenchPlan.Workload.MIX),
            60,
            40,
            Map.of("UNAVAILABLE", 2L, "DEADLINE_EXCEEDED", 1L),
            10,
            h,
            null);
    assertThat(r.ops()).isEqualTo(100);
    assertThat(r.errors()).isEqualTo(3);
    assertThat(r.summaryLine())
        .isEqualTo(
            "BENCH workload=mix clients=4 consistency=linearizable keys=1000 "
                + "value_bytes=256 duration_s=10.0 ops=100 errors=3 ops_per_s=10.0 p50_ms=1.000 p99_ms=1.500 "
                + "p999_ms=2.000 max_ms=2.000");
    assertThat(r.render())
        .contains("ops         100 (reads 60, writes 40)")
        .contains("errors      3 (DEADLINE_EXCEEDED=1 UNAVAILABLE=2)")
        .contains("throughput  10.0 ops/s")
        .contains("latency ms  p50 1.000  p99 1.500  p99.9 2.000  max 2.000")
        .endsWith(r.summaryLine() + "\n");
  }

  @Test
  void theJsonHasTheSummaryLinesNumbers() throws IOException {
    Histogram h = new Histogram(3);
    h.recordValueWithCount(1000, 99);
    h.recordValue(2000);
    BenchReport r =
        new BenchReport(
            plan(BenchPlan.Workload.MIX),
            60,
            40,
            Map.of("UNAVAILABLE", 2L),
            10,
            h,
            new BenchReport.Preload(1000, 1, 1.5));
    StringWriter text = new StringWriter();
    JsonWriter json = new JsonWriter(text);
    json.beginObject();
    r.writeJson(json);
    json.endObject();
    JsonObject doc = JsonParser.parseString(text.toString()).getAsJsonObject();
    assertThat(doc.get("workload").getAsString()).isEqualTo("mix");
    assertThat(doc.get("consistency").getAsString()).isEqualTo("linearizable");
    assertThat(doc.get("read_ratio").getAsDouble()).isEqualTo(0.5);
    assertThat(doc.get("ops").getAsLong()).isEqualTo(100);
    assertThat(doc.get("reads").getAsLong()).isEqualTo(60);
    assertThat(doc.get("errors").getAsLong()).isEqualTo(2);
    assertThat(doc.getAsJsonObject("errors_by_kind").get("UNAVAILABLE").getAsLong()).isEqualTo(2);
    assertThat(doc.get("ops_per_s").getAsDouble()).isEqualTo(10.0);
    assertThat(doc.get("p50_ms").getAsDouble()).isEqualTo(1.0);
    assertThat(doc.get("max_ms").getAsDouble()).isEqualTo(2.0);
    assertThat(doc.getAsJsonObject("preload").get("errors").getAsLong()).isEqualTo(1);
  }

  @Test
  void anEmptyRunReportsZerosNotGarbage() {
    BenchReport r =
        new BenchReport(
            plan(BenchPlan.Workload.GET),
            0,
            0,
            Map.of("UNAVAILABLE", 7L),
            10,
            new Histogram(3),
            new BenchReport.Preload(1000, 0, 1.5));
    assertThat(r.percentileMs(50)).isZero();
    assertThat(r.maxMs()).isZero();
    assertThat(r.opsPerSecond()).isZero();
    assertThat(r.render()).contains("preload     1000 keys in 1.50 s, 0 errors");
  }
}

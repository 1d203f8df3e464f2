package io.cairn.cli.bench;

import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * The numbers of one benchmark run and how they are printed. Latencies are recorded in microseconds
 * and reported in milliseconds; throughput is successful operations per recorded second. Only
 * operations that started after the warm-up count. Printed as text for people ({@link #render()}),
 * one line for scripts ({@link #summaryLine()}) or JSON members ({@link #writeJson}).
 */
public final class BenchReport {
  /**
   * Printed (text output only) when the measured window starts, after the warm-up; scripts count
   * the servers' CPU from this line to the report.
   */
  public static final String WINDOW_STARTED = "window started: measuring now";

  private final BenchPlan plan;
  private final long reads;
  private final long writes;
  private final SortedMap<String, Long> errorsByKind;
  private final double measuredS;
  private final Histogram latencyMicros;
  private final Preload preload;

  /** The preload phase, when there was one. */
  public record Preload(long keys, long errors, double seconds) {}

  BenchReport(
      BenchPlan plan,
      long reads,
      long writes,
      Map<String, Long> errorsByKind,
      double measuredS,
      Histogram latencyMicros,
      Preload preload) {
    this.plan = plan;
    this.reads = reads;
    this.writes = writes;
    this.errorsByKind = new TreeMap<>(errorsByKind);
    this.measuredS = measuredS;
    this.latencyMicros = latencyMicros.copy();
    this.preload = preload;
  }

  public long ops() {
    return reads + writes;
  }

  public long errors() {
    return errorsByKind.values().stream().mapToLong(Long::longValue).sum();
  }

  public double opsPerSecond() {
    return measuredS > 0 ? ops() / measuredS : 0;
  }

  /** The latency at {@code percentile} (0..100) in ms; 0 when nothing was recorded. */
  public double percentileMs(double percentile) {
    return latencyMicros.getTotalCount() == 0
        ? 0
        : latencyMicros.getValueAtPercentile(percentile) / 1000.0;
  }

  public double maxMs() {
    return latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getMaxValue() / 1000.0;
  }

  /** The human-readable report followed by the {@link #summaryLine()}. */
  public String render() {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "workload %s, %d clients (%d client instance%s), %.1f s after %.1f s warm-up, %d keys of %d bytes, "
                + "%d-byte values, %s reads%n",
            label(),
            plan.clients(),
            plan.clientInstances(),
            plan.clientInstances() == 1 ? "" : "s",
            plan.durationS(),
            plan.warmupS(),
            plan.keys(),
            plan.keyBytes(),
            plan.valueBytes(),
            plan.consistency().label()));
    if (preload != null) {
      out.append(
          String.format(
              Locale.ROOT,
              "preload     %d keys in %.2f s, %d errors%n",
              preload.keys(),
              preload.seconds(),
              preload.errors()));
    }
    out.append(
        String.format(Locale.ROOT, "ops         %d (reads %d, writes %d)%n", ops(), reads, writes));
    out.append("errors      ").append(errors());
    if (!errorsByKind.isEmpty()) {
      out.append(' ')
          .append(errorsByKind.toString().replace('{', '(').replace('}', ')').replace(", ", " "));
    }
    out.append('\n');
    out.append(String.format(Locale.ROOT, "throughput  %.1f ops/s%n", opsPerSecond()));
    out.append(
        String.format(
            Locale.ROOT,
            "latency ms  p50 %.3f  p99 %.3f  p99.9 %.3f  max %.3f%n",
            percentileMs(50),
            percentileMs(99),
            percentileMs(99.9),
            maxMs()));
    out.append(summaryLine()).append('\n');
    return out.toString();
  }

  /**
   * One line of key=value pairs for scripts: {@code BENCH clients=.. ops_per_s=.. p50_ms=.. ...}.
   */
  public String summaryLine() {
    return String.format(
        Locale.ROOT,
        "BENCH workload=%s clients=%d consistency=%s keys=%d value_bytes=%d duration_s=%.1f ops=%d errors=%d "
            + "ops_per_s=%.1f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f",
        label(),
        plan.clients(),
        plan.consistency().label(),
        plan.keys(),
        plan.valueBytes(),
        plan.durationS(),
        ops(),
        errors(),
        opsPerSecond(),
        percentileMs(50),
        percentileMs(99),
        percentileMs(99.9),
        maxMs());
  }

  /**
   * The plan and the results as members of a JSON object, named like the {@link #summaryLine()}'s
   * keys: workload, clients, ..., ops, errors, errors_by_kind, ops_per_s, p50_ms ... max_ms, and
   * preload when there was one.
   */
  public void writeJson(JsonWriter json) throws IOException {
    json.name("workload").value(label());
    json.name("clients").value(plan.clients());
    json.name("client_instances").value(plan.clientInstances());
    json.name("consistency").value(plan.consistency().label());
    json.name("keys").value(plan.keys());
    json.name("key_bytes").value(plan.keyBytes());
    json.name("value_bytes").value(plan.valueBytes());
    json.name("read_ratio").value(plan.effectiveReadRatio());
    json.name("seed").value(plan.seed());
    json.name("warmup_s").value(plan.warmupS());
    json.name("duration_s").value(plan.durationS());
    if (preload != null) {
      json.name("preload")
          .beginObject()
          .name("keys")
          .value(preload.keys())
          .name("errors")
          .value(preload.errors())
          .name("seconds")
          .value(preload.seconds())
          .endObject();
    }
    json.name("ops").value(ops());
    json.name("reads").value(reads);
    json.name("writes").value(writes);
    json.name("errors").value(errors());
    json.name("errors_by_kind").beginObject();
    for (Map.Entry<String, Long> e : errorsByKind.entrySet()) {
      json.name(e.getKey()).value(e.getValue());
    }
    json.endObject();
    json.name("ops_per_s").value(opsPerSecond());
    json.name("p50_ms").value(percentileMs(50));
    json.name("p99_ms").value(percentileMs(99));
    json.name("p999_ms").value(percentileMs(99.9));
    json.name("max_ms").value(maxMs());
  }

  private String label() {
    return plan.workload().name().toLowerCase(Locale.ROOT);
  }
}

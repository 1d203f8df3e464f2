package io.cairn.cli.bench;

import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * The numbers of one benchmark run and how they are printed. Latencies are recorded in
 * microseconds and reported in milliseconds; throughput is successful operations per recorded
 * second. Only operations that started after the warm-up count.
 */
public final class BenchReport {
  private final BenchPlan plan;
  private final long reads;
  private final long writes;
  private final SortedMap<String, Long> errorsByKind;
  private final double measuredS;
  private final Histogram latencyMicros;
  private final Preload preload;

  /** The preload phase, when there was one. */
  public record Preload(long keys, long errors, double seconds) {}

  BenchReport(BenchPlan plan, long reads, long writes, Map<String, Long> errorsByKind, double measuredS,
              Histogram latencyMicros, Preload preload) {
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
    return latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getValueAtPercentile(percentile) / 1000.0;
  }

  public double maxMs() {
    return latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getMaxValue() / 1000.0;
  }

  /** The human-readable report followed by the {@link #summaryLine()}. */
  public String render() {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT,
        "workload %s, %d clients (%d client instance%s), %.1f s after %.1f s warm-up, %d keys of %d bytes, "
            + "%d-byte values, %s reads%n",
        label(), plan.clients(), plan.clientInstances(), plan.clientInstances() == 1 ? "" : "s", plan.durationS(),
        plan.warmupS(), plan.keys(), plan.keyBytes(), plan.valueBytes(), plan.consistency().label()));
    if (preload != null) {
      out.append(String.format(Locale.ROOT, "preload     %d keys in %.2f s, %d errors%n",
          preload.keys(), preload.seconds(), preload.errors()));
    }
    out.append(String.format(Locale.ROOT, "ops         %d (reads %d, writes %d)%n", ops(), reads, writes));
    out.append("errors      ").append(errors());
    if (!errorsByKind.isEmpty()) {
      out.append(' ').append(errorsByKind.toString().replace('{', '(').replace('}', ')').replace(", ", " "));
    }
    out.append('\n');
    out.append(String.format(Locale.ROOT, "throughput  %.1f ops/s%n", opsPerSecond()));
    out.append(String.format(Locale.ROOT, "latency ms  p50 %.3f  p99 %.3f  p99.9 %.3f  max %.3f%n",
        percentileMs(50), percentileMs(99), percentileMs(99.9), maxMs()));
    out.append(summaryLine()).append('\n');
    return out.toString();
  }

  /** One line of key=value pairs for scripts: {@code BENCH clients=.. ops_per_s=.. p50_ms=.. ...}. */
  public String summaryLine() {
    return String.format(Locale.ROOT,
        "BENCH workload=%s clients=%d consistency=%s keys=%d value_bytes=%d duration_s=%.1f ops=%d errors=%d "
            + "ops_per_s=%.1f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f",
        label(), plan.clients(), plan.consistency().label(), plan.keys(), plan.valueBytes(), plan.durationS(), ops(),
        errors(), opsPerSecond(), percentileMs(50), percentileMs(99), percentileMs(99.9), maxMs());
  }

  private String label() {
    return plan.workload().name().toLowerCase(Locale.ROOT);
  }
}

package io.cairn.tests.bench;

import java.io.File;
import java.io.FileNotFoundException;
import java.util.Locale;
import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;

/**
 * The latencies of one measured window out of YCSB's interval logs ({@code
 * hdrhistogram.fileoutput=true}: one HdrHistogram per status interval, per operation), so that a
 * point's percentiles leave out its warm-up, as its throughput and server CPU do ({@code
 * scripts/bench.sh} with {@code BENCH_GENERATOR=ycsb}).
 *
 * <p>{@code HdrWindow <start epoch s> <end epoch s> <NAME=file.hdr>...} prints, per operation,
 * {@code name_ops=N name_p50_ms= name_p99_ms= name_p999_ms= name_max_ms=} over the intervals whose
 * middle lies inside the window. The window's ends are the moments the script read YCSB's status
 * lines, a little after YCSB closed the intervals they report (printing, the pipe, a busy CPU): an
 * interval's ends may fall on either side of a mark, its middle does not, short of a delay of half
 * a second.
 */
public final class HdrWindow {
  private HdrWindow() {}

  /** The merged histogram of the intervals inside [startS, endS], in YCSB's microseconds. */
  static Histogram window(File log, double startS, double endS) throws FileNotFoundException {
    Histogram merged = new Histogram(3);
    HistogramLogReader reader = new HistogramLogReader(log);
    try {
      for (EncodableHistogram h = reader.nextIntervalHistogram();
          h != null;
          h = reader.nextIntervalHistogram()) {
        double middleS = (h.getStartTimeStamp() + h.getEndTimeStamp()) / 2000.0;
        if (middleS >= startS && middleS <= endS && h instanceof Histogram interval) {
          merged.add(interval);
        }
      }
    } finally {
      reader.close();
    }
    return merged;
  }

  static String render(String name, Histogram h) {
    String n = name.toLowerCase(Locale.ROOT).replace('-', '_');
    if (h.getTotalCount() == 0) {
      return n + "_ops=0";
    }
    return String.format(
        Locale.ROOT,
        "%s_ops=%d %s_p50_ms=%.3f %s_p99_ms=%.3f %s_p999_ms=%.3f %s_max_ms=%.3f",
        n,
        h.getTotalCount(),
        n,
        h.getValueAtPercentile(50) / 1000.0,
        n,
        h.getValueAtPercentile(99) / 1000.0,
        n,
        h.getValueAtPercentile(99.9) / 1000.0,
        n,
        h.getMaxValue() / 1000.0);
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: HdrWindow <start epoch s> <end epoch s> <NAME=file.hdr>...");
      System.exit(2);
    }
    double start = Double.parseDouble(args[0]);
    double end = Double.parseDouble(args[1]);
    StringBuilder out = new StringBuilder();
    for (int i = 2; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      if (eq <= 0) {
        System.err.println("HdrWindow: expected NAME=file.hdr, got '" + args[i] + "'");
        System.exit(2);
      }
      File f = new File(args[i].substring(eq + 1));
      if (!f.isFile()) {
        continue; // YCSB writes a log only for operations that happened (no UPDATE-FAILED, say)
      }
      out.append(out.length() == 0 ? "" : " ")
          .append(render(args[i].substring(0, eq), window(f, start, end)));
    }
    System.out.println(out);
  }
}

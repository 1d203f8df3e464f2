package io.cairn.tests.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.PrintStream;
import java.nio.file.Path;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HdrWindowTest {
  private static final long T0_MS = 1_800_000_000_000L;

  /** One interval per second from T0, as YCSB logs them: second i recorded latency (i+1) ms. */
  private static File ycsbLikeLog(Path dir, int seconds) throws Exception {
    File f = dir.resolve("UPDATE.hdr").toFile();
    try (PrintStream out = new PrintStream(f)) {
      HistogramLogWriter w = new HistogramLogWriter(out);
      w.outputLogFormatVersion();
      w.outputStartTime(T0_MS);
      w.setBaseTime(T0_MS);
      w.outputLegend();
      for (int i = 0; i < seconds; i++) {
        Histogram h = new Histogram(3);
        h.recordValueWithCount((i + 1) * 1000L, 10);
        h.setStartTimeStamp(T0_MS + i * 1000L);
        h.setEndTimeStamp(T0_MS + (i + 1) * 1000L);
        w.outputIntervalHistogram(h);
      }
    }
    return f;
  }

  @Test
  void onlyTheIntervalsInsideTheWindowCount(@TempDir Path dir) throws Exception {
    File log = ycsbLikeLog(dir, 10);
    double t0 = T0_MS / 1000.0;

    // The window seconds 5..8 (read a little late, as the script reads YCSB's status lines).
    Histogram w = HdrWindow.window(log, t0 + 5.02, t0 + 8.03);

    assertThat(w.getTotalCount()).isEqualTo(30); // the intervals [5,6), [6,7), [7,8)
    assertThat(w.getMinValue() / 1000).isEqualTo(6);
    assertThat(w.getMaxValue() / 1000).isEqualTo(8);

    // Read 0.3 s late at both ends (a pause in the script): still the same three seconds.
    assertThat(HdrWindow.window(log, t0 + 5.3, t0 + 8.3).getTotalCount()).isEqualTo(30);
  }

  @Test
  void rendersPercentilesInMillisecondsPerOperation(@TempDir Path dir) throws Exception {
    File log = ycsbLikeLog(dir, 4);
    double t0 = T0_MS / 1000.0;

    String line = HdrWindow.render("READ-FAILED", HdrWindow.window(log, t0, t0 + 4));

    assertThat(line).startsWith("read_failed_ops=40 read_failed_p50_ms=2.");
    assertThat(line).contains("read_failed_max_ms=4.");
    assertThat(HdrWindow.render("UPDATE", new Histogram(3))).isEqualTo("update_ops=0");
  }
}

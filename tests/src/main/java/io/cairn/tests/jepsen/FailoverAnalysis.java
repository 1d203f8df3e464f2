package io.cairn.tests.jepsen;

import io.cairn.tests.history.History;
import io.cairn.tests.history.Operation;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.function.ToIntFunction;

/**
 * Failover figures from a finished history: for every kill of a shard's leader, the time from the
 * kill to the completion of the first write on that shard that was invoked after the kill and ended
 * OK, and how many operations on that shard ended INFO in that window.
 *
 * <p>Writes invoked before the kill do not count even if they complete after it: the old leader may
 * have committed them before it died. A kill with no such write before the history ends is
 * "unrecovered" (the run ended, or the shard really stayed down). Times are from the same clock as
 * the history.
 */
public final class FailoverAnalysis {

  /** One kill and what followed. {@code recoveryNanos} is empty when no write followed. */
  public record Recovery(LeaderKill kill, OptionalLong recoveryNanos, int infoOperations) {}

  /** The figures over every kill of a run. */
  public record Report(List<Recovery> recoveries) {
    public Report {
      recoveries = List.copyOf(recoveries);
    }

    public int kills() {
      return recoveries.size();
    }

    public long unrecovered() {
      return recoveries.stream().filter(r -> r.recoveryNanos().isEmpty()).count();
    }

    public int infoOperations() {
      return recoveries.stream().mapToInt(Recovery::infoOperations).sum();
    }

    /** Sorted recovery times in milliseconds. */
    public double[] recoveryMillis() {
      return recoveries.stream()
          .map(Recovery::recoveryNanos)
          .filter(OptionalLong::isPresent)
          .mapToDouble(r -> r.getAsLong() / 1e6)
          .sorted()
          .toArray();
    }

    /**
     * The nearest-rank percentile {@code p} (0..1] of the recovery times; NaN when there are none.
     */
    public double percentileMillis(double p) {
      double[] sorted = recoveryMillis();
      if (sorted.length == 0) {
        return Double.NaN;
      }
      int rank = (int) Math.ceil(p * sorted.length);
      return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    public Report plus(Report other) {
      List<Recovery> all = new ArrayList<>(recoveries);
      all.addAll(other.recoveries);
      return new Report(all);
    }

    @Override
    public String toString() {
      if (recoveries.isEmpty()) {
        return "no leader kills";
      }
      return String.format(
          Locale.ROOT,
          "%d leader kills: kill -> next OK write on the shard median %.0f ms, p99 %.0f ms, max %.0f ms;"
              + " %d unrecovered; %d operations on those shards ended INFO meanwhile",
          kills(),
          percentileMillis(0.5),
          percentileMillis(0.99),
          percentileMillis(1.0),
          unrecovered(),
          infoOperations());
    }
  }

  private FailoverAnalysis() {}

  public static Report analyze(
      List<LeaderKill> kills, History history, ToIntFunction<String> shardOfKey) {
    List<Recovery> recoveries = new ArrayList<>();
    for (LeaderKill kill : kills) {
      long recoveredAt = Long.MAX_VALUE;
      for (Operation op : history.operations()) {
        if (op.op().kind().isWrite()
            && op.isOk()
            && op.invokeNanos() >= kill.killNanos()
            && shardOfKey.applyAsInt(op.key()) == kill.shard()) {
          recoveredAt = Math.min(recoveredAt, op.completeNanos());
        }
      }
      long windowEnd = recoveredAt;
      int infos =
          (int)
              history.operations().stream()
                  .filter(
                      op ->
                          op.isInfo()
                              && shardOfKey.applyAsInt(op.key()) == kill.shard()
                              && op.completeNanos() >= kill.killNanos()
                              && op.invokeNanos() <= windowEnd)
                  .count();
      recoveries.add(
          new Recovery(
              kill,
              recoveredAt == Long.MAX_VALUE
                  ? OptionalLong.empty()
                  : OptionalLong.of(recoveredAt - kill.killNanos()),
              infos));
    }
    return new Report(recoveries);
  }
}

package io.cairn.tests.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Sums up interleaved rounds of {@code scripts/bench.sh interleaved}: both stores run side by side
 * and every round measures each point once on each, so that the VM's slow and fast minutes fall on
 * both alike. What decides a close comparison is then how often one store beat the other in the
 * same round, not two medians from different minutes.
 *
 * <p>Reads the script's {@code BENCH} lines ({@code key=value} tokens with {@code round=}, {@code
 * target=cairn|etcd}, {@code workload=}, {@code clients=}) on standard input and prints, per
 * workload and clients, one {@code SUMMARY} line: the median over the rounds of each figure for
 * each store, and for each figure the rounds in which Cairn was better (more operations per second;
 * lower latency or CPU per operation) out of the rounds that measured both, and each store's failed
 * operations over all rounds (YCSB counts a failure as an operation, so a store that fails fast can
 * look fast: read the wins only when both are 0).
 */
public final class RoundsSummary {
  /** The figures compared, and whether more is better. */
  static final Map<String, Boolean> FIGURES = new LinkedHashMap<>();

  static {
    FIGURES.put("ops_per_s", true);
    FIGURES.put("update_p50_ms", false);
    FIGURES.put("update_p99_ms", false);
    FIGURES.put("read_p50_ms", false);
    FIGURES.put("read_p99_ms", false);
    FIGURES.put("server_cpu_ms_per_op", false);
  }

  /** Operations that failed, summed over the rounds: a store that fails fast may look fast. */
  static final List<String> FAILURES = List.of("read_failed_ops", "update_failed_ops");

  private RoundsSummary() {}

  /** One point's figures in one round, per store. */
  private static final class Round {
    final Map<String, Map<String, Double>> byTarget = new TreeMap<>();
  }

  static List<String> summarize(List<String> lines) {
    // point ("put clients=1") -> round -> target -> figures
    Map<String, Map<String, Round>> points = new LinkedHashMap<>();
    for (String line : lines) {
      if (!line.startsWith("BENCH ")) {
        continue;
      }
      Map<String, String> tokens = tokens(line);
      String target = tokens.get("target");
      String round = tokens.get("round");
      String workload = tokens.get("workload");
      String clients = tokens.get("clients");
      if (target == null || round == null || workload == null || clients == null) {
        throw new IllegalArgumentException(
            "a BENCH line without target, round, workload or clients: " + line);
      }
      Map<String, Double> figures = new LinkedHashMap<>();
      for (String figure : FAILURES) {
        String v = tokens.get(figure);
        if (v != null) {
          figures.put(figure, Double.parseDouble(v));
        }
      }
      for (String figure : FIGURES.keySet()) {
        String v = tokens.get(figure);
        if (v != null && !v.equals("n/a")) {
          figures.put(figure, Double.parseDouble(v));
        }
      }
      points
          .computeIfAbsent(
              "workload=" + workload + " clients=" + clients, k -> new LinkedHashMap<>())
          .computeIfAbsent(round, k -> new Round())
          .byTarget
          .put(target, figures);
    }
    List<String> out = new ArrayList<>();
    points.forEach((point, rounds) -> out.add(summarizePoint(point, rounds)));
    return out;
  }

  private static String summarizePoint(String point, Map<String, Round> rounds) {
    StringBuilder s = new StringBuilder("SUMMARY ").append(point);
    s.append(" rounds=").append(rounds.size());
    for (String target : List.of("cairn", "etcd")) {
      long failed = 0;
      for (Round r : rounds.values()) {
        Map<String, Double> figures = r.byTarget.getOrDefault(target, Map.of());
        for (String f : FAILURES) {
          failed += figures.getOrDefault(f, 0.0).longValue();
        }
      }
      s.append(' ').append(target).append("_failed_ops=").append(failed);
    }
    for (Map.Entry<String, Boolean> figure : FIGURES.entrySet()) {
      String name = figure.getKey();
      List<Double> cairn = new ArrayList<>();
      List<Double> etcd = new ArrayList<>();
      int both = 0;
      int cairnBetter = 0;
      for (Round r : rounds.values()) {
        Double c = r.byTarget.getOrDefault("cairn", Map.of()).get(name);
        Double e = r.byTarget.getOrDefault("etcd", Map.of()).get(name);
        if (c != null) {
          cairn.add(c);
        }
        if (e != null) {
          etcd.add(e);
        }
        if (c != null && e != null) {
          both++;
          if (figure.getValue() ? c > e : c < e) {
            cairnBetter++;
          }
        }
      }
      if (cairn.isEmpty() && etcd.isEmpty()) {
        continue;
      }
      s.append(" cairn_").append(name).append('=').append(median(cairn));
      s.append(" etcd_").append(name).append('=').append(median(etcd));
      if (both > 0) {
        s.append(" cairn_better_").append(name).append('=').append(cairnBetter).append('/');
        s.append(both);
      }
    }
    return s.toString();
  }

  static Map<String, String> tokens(String line) {
    Map<String, String> tokens = new LinkedHashMap<>();
    for (String token : line.trim().split("\\s+")) {
      int eq = token.indexOf('=');
      if (eq > 0) {
        tokens.put(token.substring(0, eq), token.substring(eq + 1));
      }
    }
    return tokens;
  }

  /** The median, the mean of the middle two for an even count; "n/a" for none. */
  static String median(List<Double> values) {
    if (values.isEmpty()) {
      return "n/a";
    }
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int n = sorted.size();
    double m = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    return m >= 100 ? String.format(Locale.ROOT, "%.0f", m) : String.format(Locale.ROOT, "%.3f", m);
  }

  public static void main(String[] args) throws IOException {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    List<String> lines = new ArrayList<>();
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      lines.add(line);
    }
    for (String line : summarize(lines)) {
      System.out.println(line);
    }
  }
}

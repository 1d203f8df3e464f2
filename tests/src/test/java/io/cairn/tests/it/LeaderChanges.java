package io.cairn.tests.it;

import io.cairn.tests.cluster.ProcessCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads leader changes from the node logs of a {@link ProcessCluster}: each replica logs "shard S
 * nI: leader is now nJ" when it learns of a new leader (nodes share this machine's clock).
 */
final class LeaderChanges {
  private static final Pattern LINE =
      Pattern.compile("^(\\S+) .* - shard (\\d+) n\\d+: leader is now (n\\d+)$");

  private LeaderChanges() {}

  /**
   * The wall-clock time (ms) of the first log line after {@code afterMs}, on any node but {@code
   * old}, naming a leader of {@code shard} other than {@code old}.
   */
  static Optional<Long> firstAfter(ProcessCluster cluster, int old, int shard, long afterMs) {
    Long first = null;
    for (int node = 1; node <= cluster.size(); node++) {
      if (node == old || !Files.exists(cluster.log(node))) {
        continue;
      }
      try {
        for (String line : Files.readAllLines(cluster.log(node))) {
          Matcher m = LINE.matcher(line);
          if (!m.matches()
              || Integer.parseInt(m.group(2)) != shard
              || m.group(3).equals("n" + old)) {
            continue;
          }
          long at =
              LocalDateTime.parse(m.group(1))
                  .atZone(ZoneId.systemDefault())
                  .toInstant()
                  .toEpochMilli();
          if (at > afterMs && (first == null || at < first)) {
            first = at;
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return Optional.ofNullable(first);
  }

  /** "median M p90 P max X all [...]" of {@code ms}, or "none". */
  static String summary(List<Long> ms) {
    if (ms.isEmpty()) {
      return "none";
    }
    List<Long> sorted = new ArrayList<>(ms);
    Collections.sort(sorted);
    return String.format(
        "median_ms=%d p90_ms=%d max_ms=%d all=%s",
        sorted.get(sorted.size() / 2),
        sorted.get((int) (sorted.size() * 0.9)),
        sorted.get(sorted.size() - 1),
        sorted);
  }
}

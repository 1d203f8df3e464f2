package io.cairn.cli;

import io.cairn.client.BlockingCairnClient;
import io.cairn.client.CairnException;
import io.cairn.proto.ShardMap;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * {@code --wait} for membership commands: polls the cluster's map until it satisfies a condition,
 * printing the moves' progress whenever it changes (text output only).
 */
final class MapWait {
  private static final long POLL_MS = 500;

  private MapWait() {}

  /** The first map that satisfies {@code done}, or null if none did within {@code waitMs}. */
  static ShardMap until(
      BlockingCairnClient client,
      Predicate<ShardMap> done,
      long waitMs,
      PrintWriter progress,
      boolean showProgress)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
    List<String> shown = List.of();
    while (true) {
      try {
        ShardMap map = client.shardMap();
        if (done.test(map)) {
          return map;
        }
        if (showProgress) {
          List<String> lines = MoveProgress.lines(map, client.clusterStatus());
          if (!lines.equals(shown)) {
            lines.forEach(progress::println);
            progress.flush();
            shown = lines;
          }
        }
      } catch (CairnException e) {
        // The change has committed; a node not answering now only delays seeing it through.
      }
      if (System.nanoTime() > deadline) {
        return null;
      }
      Thread.sleep(POLL_MS); // polling a remote cluster, not a test's condition
    }
  }
}

package io.cairn.tests.jepsen;

import io.cairn.client.CairnClient;
import io.cairn.proto.ClusterStatus;
import io.cairn.proto.NodeStatus;
import io.cairn.proto.ReplicaStatus;
import io.cairn.proto.ShardMap;
import io.cairn.tests.cluster.ProcessCluster;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The full-disk fault ({@link Fault#DISK_FULL}). Cairn's decided behaviour when a node cannot write
 * its Raft log (docs/operations.md, "A disk fills up or fails"): the node logs a FATAL line and
 * exits with code 74, the others serve on, and once space is back and the node is started again it
 * catches up. This class makes that happen to one node of a running lab and holds the node to it.
 *
 * <p>The episode: a node holding a data shard is picked with the episode's random; its data
 * filesystem ({@link SmallDisk}) is filled with a balloon file to within {@link #LEAVE_BYTES}; then
 * 64 KB filler values are written to every data shard it holds, through a client of its own, until
 * the node exits. The workload's values are a few bytes, so on their own they would take a long
 * time to use up even a little free space: Ratis preallocates log segments, and only the next
 * preallocation fails. The node must exit within {@link #EXIT_MAX}, with code 74 and a FATAL line,
 * or the run fails ({@link LivenessViolation}). The fault then holds (the node stays down) and its
 * heal frees the balloon, starts the node and waits until each of its replicas has applied what its
 * group's leader had committed when it started.
 *
 * <p>The filler keys ({@code disk-fill-<n>}, a few in each shard, overwritten in turn) are not the
 * workload's, and the filler writes are not in the checked history. Called by the nemesis thread
 * only.
 */
final class DiskFull {

  /** A node about to lose its free space: the data shards and groups (0 = meta) it holds. */
  record Target(int node, Set<Integer> shards, Set<Integer> groups) {
    Target {
      shards = java.util.Collections.unmodifiableSet(new TreeSet<>(shards));
      groups = java.util.Collections.unmodifiableSet(new TreeSet<>(groups));
    }
  }

  /** What is left free: less than one log preallocation (4 MB), more than nothing. */
  static final long LEAVE_BYTES = 1L << 20;

  /** How long the node may go on running with its disk full while filler is written. */
  static final Duration EXIT_MAX = Duration.ofSeconds(60);

  private static final int FILLER_BYTES = 64 << 10;
  private static final int FILLER_KEYS_PER_SHARD = 4;
  private static final Duration FILLER_WRITE_MAX = Duration.ofSeconds(10);
  private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(3);

  /** Everything the heal waits for (a leader for each group, a JVM start, catching up). */
  private static final Duration HEAL_MAX = Duration.ofSeconds(150);

  private static final int LOG_LINE_CHARS_MAX = 400;

  private final LabCluster lab;
  private final ProcessCluster cluster;
  private final Consumer<String> progress;

  DiskFull(LabCluster lab, Consumer<String> progress) {
    this.lab = lab;
    this.cluster = lab.cluster();
    this.progress = progress;
  }

  /**
   * A node holding some data shard, picked with {@code random}; empty when the cluster did not
   * answer whole.
   */
  Optional<Target> choose(Random random) {
    ClusterStatus status = lab.clusterStatus(STATUS_TIMEOUT);
    if (status == null
        || status.getUnreachableCount() > 0
        || status.getNodesCount() != lab.members().size()) {
      return Optional.empty();
    }
    List<Target> candidates = new ArrayList<>();
    for (NodeStatus node : status.getNodesList()) {
      Set<Integer> shards = new TreeSet<>();
      Set<Integer> groups = new TreeSet<>();
      for (ReplicaStatus r : node.getReplicasList()) {
        groups.add(DiskWipe.groupOf(r));
        if (!r.getIsMeta()) {
          shards.add(r.getShardId());
        }
      }
      if (!shards.isEmpty()) {
        candidates.add(new Target(LeaderLocator.nodeIndex(node.getNodeId()), shards, groups));
      }
    }
    candidates.sort((a, b) -> Integer.compare(a.node(), b.node()));
    return candidates.isEmpty()
        ? Optional.empty()
        : Optional.of(candidates.get(random.nextInt(candidates.size())));
  }

  /**
   * Fills the target's disk and writes filler to its shards until it exits; returns a description
   * of how it went, with its FATAL line.
   *
   * @throws LivenessViolation if the node still runs after {@link #EXIT_MAX}, or exited otherwise
   *     than with code 74 and a FATAL line; the balloon is freed first, so the others are not left
   *     beside a node that cannot write
   */
  String fillUntilExit(Target target, Random random) {
    int node = target.node();
    SmallDisk disk = lab.disk(node);
    long logOffset = size(cluster.log(node));
    disk.fill(LEAVE_BYTES);
    long free = disk.freeBytes();
    long start = System.nanoTime();
    long deadline = start + EXIT_MAX.toNanos();
    int acknowledged = 0;
    try (CairnClient client = lab.newClient(FILLER_WRITE_MAX.toMillis(), random)) {
      Map<Integer, List<byte[]>> keys = fillerKeys(target.shards());
      byte[] value = new byte[FILLER_BYTES];
      for (int round = 0; cluster.isAlive(node) && System.nanoTime() < deadline; round++) {
        random.nextBytes(value);
        List<CompletableFuture<?>> writes = new ArrayList<>();
        for (List<byte[]> shardKeys : keys.values()) {
          writes.add(client.put(shardKeys.get(round % shardKeys.size()), value.clone()));
        }
        for (CompletableFuture<?> w : writes) {
          acknowledged += awaitQuietly(w) ? 1 : 0;
        }
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    String filled =
        String.format(
            java.util.Locale.ROOT,
            "disk filled to %d KB free; %d filler writes of %d KB to shards %s acknowledged",
            free >> 10,
            acknowledged,
            FILLER_BYTES >> 10,
            target.shards());
    if (cluster.isAlive(node)) {
      disk.release();
      throw new LivenessViolation(
          "n"
              + node
              + " still running after its disk filled up: "
              + filled
              + " in "
              + EXIT_MAX.toSeconds()
              + " s; a node that cannot write its Raft log must exit with code 74"
              + " (docs/operations.md, \"A disk fills up or fails\")");
    }
    int exit = cluster.exitCode(node);
    String fatal = firstFatalLine(cluster.log(node), logOffset);
    if (exit != 74 || fatal == null) {
      disk.release();
      throw new LivenessViolation(
          "n"
              + node
              + " exited with code "
              + exit
              + (fatal == null ? " and no FATAL line" : "")
              + " after its disk filled up ("
              + filled
              + "); expected exit code 74 and a FATAL line; log tail:\n"
              + cluster.tail(node, 30));
    }
    return String.format(
        java.util.Locale.ROOT, "%s; exited %d after %.1f s [%s]", filled, exit, seconds, fatal);
  }

  /**
   * Frees the balloon, starts the node and waits until each of its replicas has applied what its
   * group's leader had committed by then.
   *
   * @throws LivenessViolation if the node exits again or does not catch up within {@link #HEAL_MAX}
   */
  void releaseRestartAndAwaitCaughtUp(Target target) {
    int node = target.node();
    long start = System.nanoTime();
    long deadline = start + HEAL_MAX.toNanos();
    lab.disk(node).release();
    Map<Integer, Long> toReach = awaitLeadersElsewhere(target, deadline);
    cluster.start(node);
    Map<Integer, Long> applied = Map.of();
    while (System.nanoTime() < deadline) {
      if (!cluster.isAlive(node)) {
        throw new LivenessViolation(
            "n"
                + node
                + " exited (code "
                + cluster.exitCode(node)
                + ") after it was started again with its disk freed; log tail:\n"
                + cluster.tail(node, 40));
      }
      applied = DiskWipe.appliedOf(lab.clusterStatus(STATUS_TIMEOUT), node);
      if (DiskWipe.caughtUp(applied, toReach)) {
        progress.accept(
            String.format(
                java.util.Locale.ROOT,
                "n%d restarted with its disk freed and caught up in %.1f s: applied %s,"
                    + " leaders had committed %s (group 0 = meta)",
                node,
                (System.nanoTime() - start) / 1e9,
                applied,
                toReach));
        return;
      }
      Pacing.pause(Duration.ofMillis(250));
    }
    throw new LivenessViolation(
        "n"
            + node
            + " did not catch up within "
            + HEAL_MAX.toSeconds()
            + " s after its disk was freed: must reach "
            + toReach
            + " (group 0 = meta), applied "
            + applied
            + "; log tail:\n"
            + cluster.tail(node, 40));
  }

  /**
   * Per group of the target, the commit index of its leader on another node, once every group has
   * one.
   */
  private Map<Integer, Long> awaitLeadersElsewhere(Target target, long deadline) {
    String self = "n" + target.node();
    Map<Integer, Long> commits = new TreeMap<>();
    while (true) {
      ClusterStatus status = lab.clusterStatus(STATUS_TIMEOUT);
      commits.clear();
      if (status != null) {
        status.getNodesList().stream()
            .filter(n -> !n.getNodeId().equals(self))
            .flatMap(n -> n.getReplicasList().stream())
            .filter(
                r -> r.getRole().equals("LEADER") && target.groups().contains(DiskWipe.groupOf(r)))
            .forEach(r -> commits.merge(DiskWipe.groupOf(r), r.getCommitIndex(), Math::max));
      }
      if (commits.keySet().containsAll(target.groups())) {
        return java.util.Collections.unmodifiableMap(new TreeMap<>(commits));
      }
      if (System.nanoTime() > deadline) {
        throw new LivenessViolation(
            "with "
                + self
                + " down after its disk filled up, groups "
                + target.groups()
                + " (0 = meta) did not all get a leader on another node within "
                + HEAL_MAX.toSeconds()
                + " s; leaders seen for "
                + commits.keySet());
      }
      Pacing.pause(Duration.ofMillis(250));
    }
  }

  /** A few keys of each shard, the first {@code disk-fill-<n>} the cluster's ring puts there. */
  private Map<Integer, List<byte[]>> fillerKeys(Set<Integer> shards) {
    ShardMap map = lab.shardMap(STATUS_TIMEOUT);
    Map<Integer, List<byte[]>> keys = new TreeMap<>();
    int found = 0;
    for (int n = 0; found < shards.size() * FILLER_KEYS_PER_SHARD; n++) {
      if (n > 100_000) {
        throw new IllegalStateException("not enough filler keys found for shards " + shards);
      }
      String key = "disk-fill-" + n;
      int shard = LabCluster.shardOf(map, key);
      List<byte[]> of = keys.computeIfAbsent(shard, s -> new ArrayList<>());
      if (shards.contains(shard) && of.size() < FILLER_KEYS_PER_SHARD) {
        of.add(key.getBytes(StandardCharsets.UTF_8));
        found++;
      }
    }
    keys.values().removeIf(List::isEmpty);
    return keys;
  }

  /** Whether the write succeeded within its bound; failures are expected while the node dies. */
  private static boolean awaitQuietly(CompletableFuture<?> write) {
    try {
      write.get(FILLER_WRITE_MAX.toMillis() + 2_000, TimeUnit.MILLISECONDS);
      return true;
    } catch (ExecutionException | TimeoutException e) {
      write.cancel(true);
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while filling a disk", e);
    }
  }

  private static long size(Path file) {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  /**
   * From the first line containing FATAL that the log gained after {@code offset}, the text from
   * FATAL on; null if there is none. The log grows across restarts: an earlier episode's FATAL line
   * lies before the offset and does not count.
   */
  static String firstFatalLine(Path log, long offset) {
    try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
      long length = file.length();
      if (length <= offset) {
        return null;
      }
      byte[] tail = new byte[(int) Math.min(length - offset, 4L << 20)];
      file.seek(offset);
      file.readFully(tail);
      return new String(tail, StandardCharsets.UTF_8)
          .lines()
          .filter(l -> l.contains("FATAL"))
          .findFirst()
          .map(l -> l.substring(l.indexOf("FATAL")))
          .map(
              l -> l.length() > LOG_LINE_CHARS_MAX ? l.substring(0, LOG_LINE_CHARS_MAX) + "..." : l)
          .orElse(null);
    } catch (IOException e) {
      return null;
    }
  }
}

package io.cairn.tests.jepsen;

import io.cairn.proto.ClusterStatus;
import io.cairn.proto.NodeStatus;
import io.cairn.proto.ReplicaStatus;
import io.cairn.proto.ShardMap;
import io.cairn.tests.cluster.ProcessCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The disk-loss fault ({@link Fault#WIPE_FOLLOWER}): a node loses its data directory and rejoins
 * empty under the same id, which Raft survives only under conditions this class enforces. A
 * wiped node has forgotten its log and its votes: were it a leader, or were another node down at
 * the same time, the entries it had acknowledged could be held by a minority only, and a node
 * lacking them could be elected with the wiped node's vote. So the target leads no group (leaders
 * are moved off it first when every node leads something), the episode has no other fault, it
 * starts from a whole cluster, the node comes back only once each of its groups has a leader
 * elsewhere, and the episode ends only when every replica on the node has applied at least what
 * that leader had committed.
 */
final class DiskWipe {

  /**
   * A node about to lose its disk, and per group it holds (shard id; 0 = meta) the highest commit
   * index any replica reported just before: its group's leader must reach it again, elsewhere.
   */
  record Target(int node, Map<Integer, Long> committedBefore) {
    Target {
      committedBefore = Map.copyOf(committedBefore);
    }

    Set<Integer> groups() {
      return new TreeSet<>(committedBefore.keySet());
    }
  }

  private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(3);
  private static final Duration TRANSFER_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration LEADERS_ELSEWHERE_MAX = Duration.ofSeconds(60);
  private static final Duration CATCH_UP_MAX = Duration.ofSeconds(120);

  private final LabCluster lab;
  private final ProcessCluster cluster;

  DiskWipe(LabCluster lab) {
    this.lab = lab;
    this.cluster = lab.cluster();
  }

  /**
   * A node that leads no group, picked with {@code random}; empty when the cluster did not answer
   * whole or no node could be freed of its leaderships.
   */
  Optional<Target> choose(Random random) {
    ClusterStatus status = lab.clusterStatus(STATUS_TIMEOUT);
    if (!isWhole(status)) {
      return Optional.empty();
    }
    List<Integer> free = nodesLeadingNothing(status);
    if (free.isEmpty()) {
      moveDataLeadershipsOff(status, random);
      status = lab.clusterStatus(STATUS_TIMEOUT);
      if (!isWhole(status)) {
        return Optional.empty();
      }
      free = nodesLeadingNothing(status);
    }
    if (free.isEmpty()) {
      return Optional.empty();
    }
    int node = free.get(random.nextInt(free.size()));
    return Optional.of(new Target(node, commitsOf(status, node)));
  }

  /** kill -9 the node and delete its data directory. */
  void wipe(Target target) {
    cluster.kill9(target.node());
    deleteRecursively(cluster.dataDir(target.node()));
  }

  /**
   * Brings the wiped node back: first waits until every group it holds has a leader among the
   * other nodes (so its empty log and forgotten vote cannot take part in an election that
   * decides what was committed: the node was chosen leading nothing, but leadership may have
   * moved to it just before the kill), takes the commit indexes those leaders report, starts the
   * node and waits until each of its replicas has applied its group's index.
   *
   * @throws IllegalStateException with what was seen last and the node's log tail, on timeout
   */
  void restartAndAwaitCaughtUp(Target target) {
    Map<Integer, Long> toReach = awaitLeadersElsewhere(target);
    cluster.start(target.node());
    long deadline = System.nanoTime() + CATCH_UP_MAX.toNanos();
    Map<Integer, Long> applied = Map.of();
    while (System.nanoTime() < deadline) {
      if (!cluster.isAlive(target.node())) {
        throw new IllegalStateException("wiped n" + target.node() + " exited while catching up; log tail:\n"
            + cluster.tail(target.node(), 40));
      }
      applied = appliedOf(lab.clusterStatus(STATUS_TIMEOUT), target.node());
      if (caughtUp(applied, toReach)) {
        return;
      }
      Pacing.pause(Duration.ofMillis(250));
    }
    throw new IllegalStateException("wiped n" + target.node() + " did not catch up within " + CATCH_UP_MAX
        + ": must reach " + toReach + " (group 0 = meta), applied " + applied + "; log tail:\n"
        + cluster.tail(target.node(), 40));
  }

  /**
   * Per group of the target, the commit index of its leader on another node, once each has one
   * that has committed at least what the group had committed before the wipe (a new leader's
   * commit index catches up only when it commits its first entry).
   */
  private Map<Integer, Long> awaitLeadersElsewhere(Target target) {
    long deadline = System.nanoTime() + LEADERS_ELSEWHERE_MAX.toNanos();
    String wiped = "n" + target.node();
    Map<Integer, Long> commits = new TreeMap<>();
    while (true) {
      ClusterStatus status = lab.clusterStatus(STATUS_TIMEOUT);
      commits.clear();
      if (status != null) {
        status.getNodesList().stream().filter(n -> !n.getNodeId().equals(wiped))
            .forEach(n -> n.getReplicasList().stream()
                .filter(r -> r.getRole().equals("LEADER") && r.getCommitIndex()
                    >= target.committedBefore().getOrDefault(groupOf(r), Long.MAX_VALUE))
                .forEach(r -> commits.merge(groupOf(r), r.getCommitIndex(), Math::max)));
      }
      if (commits.keySet().containsAll(target.groups())) {
        return Map.copyOf(commits);
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("after wiping " + wiped + ", groups " + target.groups() + " (0 = meta) did"
            + " not all elect a leader among the other nodes that committed " + target.committedBefore() + " within "
            + LEADERS_ELSEWHERE_MAX + "; such leaders seen for " + commits.keySet());
      }
      Pacing.pause(Duration.ofMillis(250));
    }
  }

  static boolean caughtUp(Map<Integer, Long> applied, Map<Integer, Long> toReach) {
    return toReach.entrySet().stream().allMatch(e -> applied.getOrDefault(e.getKey(), -1L) >= e.getValue());
  }

  private boolean isWhole(ClusterStatus status) {
    return status != null && status.getUnreachableCount() == 0 && status.getNodesCount() == cluster.size();
  }

  private static List<Integer> nodesLeadingNothing(ClusterStatus status) {
    List<Integer> free = new ArrayList<>();
    for (NodeStatus node : status.getNodesList()) {
      boolean holds = node.getReplicasCount() > 0;
      boolean leads = node.getReplicasList().stream().anyMatch(r -> r.getRole().equals("LEADER"));
      if (holds && !leads) {
        free.add(LeaderLocator.nodeIndex(node.getNodeId()));
      }
    }
    return free;
  }

  /**
   * Every node leads a group: picks one that does not lead the meta group (whose leadership the
   * harness cannot move) and hands its data shards to other replicas. A refusal is left at that;
   * the caller looks again.
   */
  private void moveDataLeadershipsOff(ClusterStatus status, Random random) {
    List<NodeStatus> candidates = status.getNodesList().stream()
        .filter(n -> n.getReplicasList().stream().noneMatch(r -> r.getIsMeta() && r.getRole().equals("LEADER")))
        .toList();
    if (candidates.isEmpty()) {
      return;
    }
    NodeStatus node = candidates.get(random.nextInt(candidates.size()));
    int index = LeaderLocator.nodeIndex(node.getNodeId());
    ShardMap map = lab.shardMap(STATUS_TIMEOUT);
    for (ReplicaStatus r : node.getReplicasList()) {
      if (!r.getIsMeta() && r.getRole().equals("LEADER")) {
        List<Integer> others = new ArrayList<>(lab.locator().replicas(r.getShardId()));
        others.remove(Integer.valueOf(index));
        if (!others.isEmpty()) {
          try {
            LeadershipTransfer.transfer(map, r.getShardId(), others.get(random.nextInt(others.size())),
                TRANSFER_TIMEOUT);
          } catch (RuntimeException refused) {
            // looked at again by the caller
          }
        }
      }
    }
  }

  /** Per group held by {@code node}, the highest commit index any of its replicas reported. */
  private static Map<Integer, Long> commitsOf(ClusterStatus status, int node) {
    Map<Integer, Long> held = new TreeMap<>();
    String id = "n" + node;
    status.getNodesList().stream().filter(n -> n.getNodeId().equals(id))
        .forEach(n -> n.getReplicasList().forEach(r -> held.put(groupOf(r), 0L)));
    status.getNodesList().forEach(n -> n.getReplicasList().forEach(r ->
        held.computeIfPresent(groupOf(r), (g, commit) -> Math.max(commit, r.getCommitIndex()))));
    return held;
  }

  private static Map<Integer, Long> appliedOf(ClusterStatus status, int node) {
    Map<Integer, Long> applied = new TreeMap<>();
    if (status != null) {
      String id = "n" + node;
      status.getNodesList().stream().filter(n -> n.getNodeId().equals(id))
          .forEach(n -> n.getReplicasList().forEach(r -> applied.put(groupOf(r), r.getAppliedIndex())));
    }
    return applied;
  }

  private static int groupOf(ReplicaStatus r) {
    return r.getIsMeta() ? 0 : r.getShardId();
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the data of a wiped node: " + dir, e);
    }
  }
}

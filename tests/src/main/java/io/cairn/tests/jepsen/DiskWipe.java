package io.cairn.tests.jepsen;

import io.cairn.proto.ClusterStatus;
import io.cairn.proto.NodeStatus;
import io.cairn.proto.ReplicaStatus;
import io.cairn.tests.cluster.ProcessCluster;
import java.time.Duration;
import java.util.ArrayList;
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
 * empty under the same id, which Raft survives only under conditions this class enforces. A wiped
 * node has forgotten its log and its votes. Entries it had acknowledged may sit on a bare majority
 * that includes it; if it came back empty while another replica still lacked them, that replica
 * could win an election with the wiped node's vote and those committed entries would be gone. So:
 * the target leads no group and takes part in no election; the episode has no other fault and
 * starts from a whole cluster; the node is started again only when, in every group it holds, a
 * leader on another node and every other replica hold everything that leader had committed after
 * the kill; and the episode ends only when the node's replicas hold it too.
 */
final class DiskWipe {

  /**
   * A node about to lose its disk, and per group it holds (shard id; 0 = meta) the highest commit
   * index any replica reported just before: the group's next leader must have committed at least
   * that much.
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

  /** Everything the heal waits for (the others settling, then the node catching up). */
  private static final Duration HEAL_MAX = Duration.ofSeconds(150);

  private final LabCluster lab;
  private final ProcessCluster cluster;

  DiskWipe(LabCluster lab) {
    this.lab = lab;
    this.cluster = lab.cluster();
  }

  /**
   * A node whose every replica is a follower that knows its leader, picked with {@code random};
   * empty when the cluster did not answer whole or no node could be freed of its leaderships.
   */
  Optional<Target> choose(Random random) {
    ClusterStatus status = lab.clusterStatus(STATUS_TIMEOUT);
    if (!isWhole(status)) {
      return Optional.empty();
    }
    List<Integer> free = settledFollowers(status);
    if (free.isEmpty()) {
      moveDataLeadershipsOff(status, random);
      status = lab.clusterStatus(STATUS_TIMEOUT);
      if (!isWhole(status)) {
        return Optional.empty();
      }
      free = settledFollowers(status);
    }
    if (free.isEmpty()) {
      return Optional.empty();
    }
    int node = free.get(random.nextInt(free.size()));
    return Optional.of(new Target(node, commitsOf(status, node)));
  }

  /**
   * kill -9 the node and delete its data directory; returns the target with its commit floors
   * raised to what the other replicas report after the kill (entries may have committed between the
   * choice and the kill). If the delete fails the node stays down and the exception ends the run (a
   * half-deleted store must not be started).
   */
  Target wipe(Target target) {
    cluster.kill9(target.node());
    cluster.deleteData(target.node());
    ClusterStatus after = lab.clusterStatus(STATUS_TIMEOUT);
    return after == null
        ? target
        : new Target(target.node(), raisedToCommits(target.committedBefore(), after));
  }

  /**
   * Brings the wiped node back once the other replicas of its groups are settled (see the class
   * comment), then waits until each of its replicas has applied what its group's leader had
   * committed.
   *
   * @throws IllegalStateException with what was seen last and the node's log tail, on timeout
   */
  void restartAndAwaitCaughtUp(Target target) {
    long deadline = System.nanoTime() + HEAL_MAX.toNanos();
    Map<Integer, Long> toReach = awaitOthersSettled(target, deadline);
    cluster.start(target.node());
    Map<Integer, Long> applied = Map.of();
    while (System.nanoTime() < deadline) {
      if (!cluster.isAlive(target.node())) {
        throw new IllegalStateException(
            "wiped n"
                + target.node()
                + " exited while catching up; log tail:\n"
                + cluster.tail(target.node(), 40));
      }
      applied = appliedOf(lab.clusterStatus(STATUS_TIMEOUT), target.node());
      if (caughtUp(applied, toReach)) {
        return;
      }
      Pacing.pause(Duration.ofMillis(250));
    }
    throw new IllegalStateException(
        "wiped n"
            + target.node()
            + " did not catch up within "
            + HEAL_MAX
            + ": must reach "
            + toReach
            + " (group 0 = meta), applied "
            + applied
            + "; log tail:\n"
            + cluster.tail(target.node(), 40));
  }

  /**
   * Waits until, in every group of the target, a leader on another node has committed at least what
   * the group had committed before the wipe (a new leader's commit index catches up only when it
   * commits its first entry), and every other replica of the group is a follower whose commit index
   * has reached that leader's, as first seen after the wipe. A Ratis follower's commit index never
   * passes what it has written itself, so the others then hold every entry the wiped node could
   * have acknowledged. Returns those commit indexes.
   */
  private Map<Integer, Long> awaitOthersSettled(Target target, long deadline) {
    String wiped = "n" + target.node();
    Map<Integer, Long> leaderCommit = new TreeMap<>();
    Set<Integer> settled = new TreeSet<>();
    while (true) {
      ClusterStatus status = lab.clusterStatus(STATUS_TIMEOUT);
      settled.clear();
      // Only a status in which every other node answered: a silent one could be the laggard.
      if (status != null
          && status.getUnreachableMap().keySet().stream().allMatch(wiped::equals)
          && status.getNodesList().stream().filter(n -> !n.getNodeId().equals(wiped)).count()
              == lab.members().size() - 1) {
        List<NodeStatus> others =
            status.getNodesList().stream().filter(n -> !n.getNodeId().equals(wiped)).toList();
        others.forEach(
            n ->
                n.getReplicasList().stream()
                    .filter(
                        r ->
                            r.getRole().equals("LEADER")
                                && r.getCommitIndex()
                                    >= target
                                        .committedBefore()
                                        .getOrDefault(groupOf(r), Long.MAX_VALUE))
                    .forEach(r -> leaderCommit.putIfAbsent(groupOf(r), r.getCommitIndex())));
        for (int group : target.groups()) {
          Long commit = leaderCommit.get(group);
          if (commit != null && othersHold(others, group, commit)) {
            settled.add(group);
          }
        }
      }
      if (settled.containsAll(target.groups())) {
        return Map.copyOf(leaderCommit);
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "after wiping "
                + wiped
                + " (groups "
                + target.groups()
                + ", 0 = meta,"
                + " committed "
                + target.committedBefore()
                + " before), the other replicas did not settle within "
                + HEAL_MAX
                + ": leaders' commits seen "
                + leaderCommit
                + ", settled groups "
                + settled);
      }
      Pacing.pause(Duration.ofMillis(250));
    }
  }

  /**
   * Every replica of {@code group} on {@code nodes} leads or follows a leader, at commit ≥ {@code
   * commit}.
   */
  private static boolean othersHold(List<NodeStatus> nodes, int group, long commit) {
    return nodes.stream()
        .flatMap(n -> n.getReplicasList().stream())
        .filter(r -> groupOf(r) == group)
        .allMatch(
            r ->
                (r.getRole().equals("LEADER")
                        || r.getRole().equals("FOLLOWER") && !r.getLeaderId().isEmpty())
                    && r.getCommitIndex() >= commit);
  }

  static boolean caughtUp(Map<Integer, Long> applied, Map<Integer, Long> toReach) {
    return toReach.entrySet().stream()
        .allMatch(e -> applied.getOrDefault(e.getKey(), -1L) >= e.getValue());
  }

  private boolean isWhole(ClusterStatus status) {
    return status != null
        && status.getUnreachableCount() == 0
        && status.getNodesCount() == lab.members().size();
  }

  /** Nodes holding some replica, each a follower that knows its leader (so in no election). */
  private static List<Integer> settledFollowers(ClusterStatus status) {
    List<Integer> free = new ArrayList<>();
    for (NodeStatus node : status.getNodesList()) {
      boolean holds = node.getReplicasCount() > 0;
      boolean allFollow =
          node.getReplicasList().stream()
              .allMatch(r -> r.getRole().equals("FOLLOWER") && !r.getLeaderId().isEmpty());
      if (holds && allFollow) {
        free.add(LeaderLocator.nodeIndex(node.getNodeId()));
      }
    }
    return free;
  }

  /**
   * No node is free: picks one that holds replicas but does not lead the meta group (whose
   * leadership the harness cannot move) and hands its data shards to other replicas. A refusal is
   * left at that; the caller looks again.
   */
  private void moveDataLeadershipsOff(ClusterStatus status, Random random) {
    List<NodeStatus> candidates =
        status.getNodesList().stream()
            .filter(n -> n.getReplicasCount() > 0)
            .filter(
                n ->
                    n.getReplicasList().stream()
                        .noneMatch(r -> r.getIsMeta() && r.getRole().equals("LEADER")))
            .toList();
    if (candidates.isEmpty()) {
      return;
    }
    NodeStatus node = candidates.get(random.nextInt(candidates.size()));
    List<Integer> led =
        node.getReplicasList().stream()
            .filter(r -> !r.getIsMeta() && r.getRole().equals("LEADER"))
            .map(ReplicaStatus::getShardId)
            .toList();
    if (led.isEmpty()) {
      return;
    }
    try {
      for (int shard : led) {
        List<Integer> others =
            status.getNodesList().stream()
                .filter(n -> !n.getNodeId().equals(node.getNodeId()))
                .filter(
                    n ->
                        n.getReplicasList().stream()
                            .anyMatch(r -> !r.getIsMeta() && r.getShardId() == shard))
                .map(n -> LeaderLocator.nodeIndex(n.getNodeId()))
                .toList();
        if (!others.isEmpty()) {
          LeadershipTransfer.transfer(
              lab, shard, others.get(random.nextInt(others.size())), TRANSFER_TIMEOUT);
        }
      }
    } catch (RuntimeException refused) {
      // looked at again by the caller
    }
  }

  /** Per group held by {@code node}, the highest commit index any of its replicas reported. */
  private static Map<Integer, Long> commitsOf(ClusterStatus status, int node) {
    Map<Integer, Long> held = new TreeMap<>();
    replicasOf(status, node).forEach(r -> held.put(groupOf(r), 0L));
    return raisedToCommits(held, status);
  }

  /** {@code floors} with each group raised to the highest commit index a replica of it reports. */
  private static Map<Integer, Long> raisedToCommits(
      Map<Integer, Long> floors, ClusterStatus status) {
    Map<Integer, Long> raised = new TreeMap<>(floors);
    status
        .getNodesList()
        .forEach(
            n ->
                n.getReplicasList()
                    .forEach(
                        r ->
                            raised.computeIfPresent(
                                groupOf(r), (g, commit) -> Math.max(commit, r.getCommitIndex()))));
    return raised;
  }

  static Map<Integer, Long> appliedOf(ClusterStatus status, int node) {
    Map<Integer, Long> applied = new TreeMap<>();
    if (status != null) {
      replicasOf(status, node).forEach(r -> applied.put(groupOf(r), r.getAppliedIndex()));
    }
    return applied;
  }

  static Stream<ReplicaStatus> replicasOf(ClusterStatus status, int node) {
    String id = "n" + node;
    return status.getNodesList().stream()
        .filter(n -> n.getNodeId().equals(id))
        .flatMap(n -> n.getReplicasList().stream());
  }

  static int groupOf(ReplicaStatus r) {
    return r.getIsMeta() ? 0 : r.getShardId();
  }
}

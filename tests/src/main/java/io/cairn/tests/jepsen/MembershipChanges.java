package io.cairn.tests.jepsen;

import io.cairn.proto.ClusterStatus;
import io.cairn.proto.NodeInfo;
import io.cairn.proto.NodeState;
import io.cairn.proto.ReplicaStatus;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import io.cairn.statemachine.ShardMaps;
import io.cairn.statemachine.ShardPlacement;
import io.cairn.tests.cluster.ProcessCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;

/**
 * The membership faults of a chaos run, done the way an operator does them, with {@code cairnctl}
 * ({@link OperatorCli}): a spare node joins, a member is drained and removed, a dead member is
 * replaced by a spare, a replica move has one of its participants killed half-way. Each step checks
 * the command's exit code; a change the cluster should take but does not within its bound is a
 * {@link LivenessViolation}.
 *
 * <p>Node i's id is {@code n<i>} ({@link ProcessCluster#nodeId}). A removed id never joins again,
 * so a run can add as many nodes as the lab has spares and remove members down to three.
 */
final class MembershipChanges {

  /** The roles of a replica move's participants, one of which {@link #killMidMove} kills. */
  enum MoveRole {
    /** The shard's leader, which drives the configuration change. */
    SHARD_LEADER,
    /** The replica leaving. */
    SOURCE,
    /** The new replica, catching up. */
    TARGET,
    /** The meta group's leader, whose rebalancer and map edits finish (or cancel) the move. */
    META_LEADER
  }

  /** A replica move in force with the node killed during it (at {@code killedAt}, nanoTime). */
  record KilledMove(
      int shard, int from, int to, MoveRole role, int killed, long killedAt, String description) {}

  /** A dead member replaced by a spare: what cairnctl said, and when it was killed (nanoTime). */
  record Replacement(int dead, int fresh, long killedAt, String said) {}

  // A map change commits once the meta group has a quorum; faults in force may delay it.
  private static final Duration CHANGE_MAX = Duration.ofSeconds(90);
  // Draining moves every replica of a node; each move stages a snapshot and the log tail.
  private static final Duration DRAIN_MAX = Duration.ofSeconds(180);
  private static final Duration KILL_DELAY_MAX = Duration.ofMillis(2_500);
  private static final int REPLICATION = 3;
  // cairnctl's exit code for a change the cluster refuses as it stands (FAILED_PRECONDITION).
  private static final int REFUSED = 7;

  private final LabCluster lab;
  private final ProcessCluster cluster;
  private final OperatorCli cli;
  private final Consumer<String> progress;

  MembershipChanges(LabCluster lab, Consumer<String> progress) {
    this.lab = lab;
    this.cluster = lab.cluster();
    this.cli = new OperatorCli(lab::memberEndpoints, lab.operatorCliOptions());
    this.progress = progress;
  }

  /**
   * Starts the lowest spare joining through a random running member, or says why none can.
   *
   * @return the node started, or empty when no spare is left
   */
  Optional<Integer> addSpare(Random random) {
    List<Integer> spares = lab.spares();
    if (spares.isEmpty()) {
      return Optional.empty();
    }
    int node = spares.get(0);
    int via = randomRunningMember(random);
    lab.join(node, via);
    return Optional.of(node);
  }

  /**
   * Waits until {@code node} is an active member of the map and the rebalancer has given it a
   * replica: a new node always gets some (replicas are balanced over the active nodes, and every
   * shape the harness makes has more replicas than nodes).
   */
  void awaitJoined(int node) {
    String id = ProcessCluster.nodeId(node);
    lab.awaitMap(
        m -> stateOf(m, id).filter(s -> s == NodeState.NODE_ACTIVE).isPresent(),
        id + " active in the map after joining",
        CHANGE_MAX);
    lab.awaitMap(m -> replicasOn(m, id) > 0, id + " holding a replica", DRAIN_MAX);
  }

  /** Waits until the replaced node holds nothing and its replacement holds a replica. */
  void awaitReplaced(int dead, int fresh) {
    String deadId = ProcessCluster.nodeId(dead);
    lab.awaitMap(m -> replicasOn(m, deadId) == 0, deadId + "'s replicas re-created", DRAIN_MAX);
    awaitJoined(fresh);
  }

  /**
   * A member that may be drained and removed, one of at least four (the cluster keeps three
   * replicas of every shard), or empty when there is none.
   */
  Optional<Integer> removable(Random random) {
    List<Integer> members = new ArrayList<>(lab.members());
    if (members.size() <= REPLICATION) {
      return Optional.empty();
    }
    return Optional.of(members.get(random.nextInt(members.size())));
  }

  /** {@code cairnctl node drain}: the rebalancer starts moving everything off it. */
  String drain(int node) {
    OperatorCli.Result r = retried(CHANGE_MAX, "node", "drain", ProcessCluster.nodeId(node));
    return r.out().strip();
  }

  /**
   * Waits until the drained node holds nothing and nothing moves, then {@code cairnctl node remove}
   * (which must not be refused any more) and stops the node for good.
   */
  void finishRemoval(int node) {
    String id = ProcessCluster.nodeId(node);
    lab.awaitMap(
        m -> replicasOn(m, id) == 0 && !LabCluster.anyMoving(m),
        id + " drained of every replica",
        DRAIN_MAX);
    OperatorCli.Result r = retried(CHANGE_MAX, "node", "remove", id);
    progress.accept(r.out().strip());
    lab.retire(node);
  }

  /**
   * kill -9 of a member that holds replicas, then {@code cairnctl node replace DEAD NEW} with the
   * lowest spare, which starts joining. Empty when no spare is left or no member may go (the
   * cluster keeps three voters of every shard; a dead one of three leaves two).
   */
  Optional<Replacement> replaceDead(Random random) {
    List<Integer> spares = lab.spares();
    if (spares.isEmpty()) {
      return Optional.empty();
    }
    List<Integer> candidates = new ArrayList<>(lab.members());
    int dead = candidates.get(random.nextInt(candidates.size()));
    int fresh = spares.get(0);
    String deadId = ProcessCluster.nodeId(dead);
    cluster.kill9(dead);
    long killedAt = System.nanoTime();
    // cairnctl refuses to replace a node that still answers; the status shows it gone at once.
    awaitNotAnswering(deadId);
    OperatorCli.Result r =
        retried(
            CHANGE_MAX,
            "node",
            "replace",
            deadId,
            ProcessCluster.nodeId(fresh),
            cluster.address(fresh));
    lab.retire(dead);
    lab.join(fresh, randomRunningMember(random));
    return Optional.of(new Replacement(dead, fresh, killedAt, r.out().strip()));
  }

  /**
   * Starts moving a random shard's replica from one of its nodes to a member without one, waits a
   * random part of {@link #KILL_DELAY_MAX}, then kill -9s the participant in {@code role}. Empty
   * when no member is free to take a replica or the cluster refuses the move (one is in progress).
   */
  Optional<KilledMove> killMidMove(Random random, MoveRole role) {
    ShardMap map = lab.shardMap(CHANGE_MAX);
    List<ShardInfo> shards = new ArrayList<>(map.getShardsList());
    ShardInfo shard = shards.get(random.nextInt(shards.size()));
    List<Integer> holders = shard.getReplicasList().stream().map(LeaderLocator::nodeIndex).toList();
    List<Integer> free =
        lab.members().stream().filter(n -> !holders.contains(n) && activeIn(map, n)).toList();
    if (free.isEmpty() || holders.isEmpty() || LabCluster.anyMoving(map)) {
      return Optional.empty();
    }
    int from = holders.get(random.nextInt(holders.size()));
    int to = free.get(random.nextInt(free.size()));
    OperatorCli.Result r =
        retried(
            CHANGE_MAX,
            REFUSED,
            "shard",
            "move",
            Integer.toString(shard.getShardId()),
            ProcessCluster.nodeId(from),
            ProcessCluster.nodeId(to));
    if (r.exitCode() == REFUSED) {
      progress.accept("move not started: " + r.summary());
      return Optional.empty();
    }
    Pacing.pause(Duration.ofMillis(random.nextInt((int) KILL_DELAY_MAX.toMillis() + 1)));
    int victim = participant(role, shard.getShardId(), from, to).orElse(from);
    ShardMap before = lab.shardMap(CHANGE_MAX);
    boolean inProgress =
        before.getShardsList().stream()
            .anyMatch(s -> s.getShardId() == shard.getShardId() && ShardMaps.moving(s));
    cluster.kill9(victim);
    long killedAt = System.nanoTime();
    return Optional.of(
        new KilledMove(
            shard.getShardId(),
            from,
            to,
            role,
            victim,
            killedAt,
            "shard "
                + shard.getShardId()
                + " n"
                + from
                + " -> n"
                + to
                + ": killed the "
                + role.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                + " n"
                + victim
                + (inProgress ? " with the move in progress" : " after the move had finished")));
  }

  /**
   * {@code cairnctl leader transfer} of a random group (a data shard or the meta group, 0) to one
   * of its replicas that does not lead it: the node becomes the group's pinned preferred leader.
   * Empty when the chosen group's replicas are unknown.
   */
  Optional<String> transferLeader(Random random) {
    ShardMap map = lab.shardMap(CHANGE_MAX);
    List<ShardInfo> groups = new ArrayList<>(map.getShardsList());
    groups.add(map.getMeta());
    ShardInfo group = groups.get(random.nextInt(groups.size()));
    Integer leader =
        group.getShardId() == 0
            ? metaLeader().orElse(null)
            : lab.locator().leaders().get(group.getShardId());
    List<String> others =
        group.getReplicasList().stream()
            .filter(id -> leader == null || !id.equals(ProcessCluster.nodeId(leader)))
            .toList();
    if (others.isEmpty()) {
      return Optional.empty();
    }
    String target = others.get(random.nextInt(others.size()));
    OperatorCli.Result r =
        retried(
            CHANGE_MAX,
            REFUSED,
            "leader",
            "transfer",
            Integer.toString(group.getShardId()),
            target);
    if (r.exitCode() == REFUSED) {
      // The map changed since it was read (a move still running took the target's replica).
      progress.accept("transfer not started: " + r.summary());
      return Optional.empty();
    }
    return Optional.of(
        (group.getShardId() == 0 ? "meta group" : "shard " + group.getShardId())
            + (leader == null ? "" : " from n" + leader)
            + ": "
            + r.out().strip());
  }

  /**
   * {@code cairnctl shard add}: one more shard, filling. Empty when the cluster refuses it (a shard
   * added before still fills).
   */
  Optional<String> addShard() {
    int highestBefore =
        lab.shardMap(CHANGE_MAX).getShardsList().stream()
            .mapToInt(ShardInfo::getShardId)
            .max()
            .orElse(0);
    OperatorCli.Result r = retried(CHANGE_MAX, REFUSED, "shard", "add");
    if (r.exitCode() != REFUSED) {
      return Optional.of(r.out().strip());
    }
    // Refused as "still filling": by an earlier episode's shard, or by this one's, added by an
    // attempt whose answer was lost (the retry then finds it filling).
    Optional<ShardInfo> ours =
        lab.shardMap(CHANGE_MAX).getShardsList().stream()
            .filter(s -> s.getFilling() && s.getShardId() > highestBefore)
            .findFirst();
    if (ours.isPresent()) {
      return Optional.of(
          "shard " + ours.get().getShardId() + ": added (an attempt's answer was lost), filling");
    }
    progress.accept("shard add not started: " + r.summary());
    return Optional.empty();
  }

  /** Waits until no shard is filling: every shard added serves its keys. */
  void awaitShardsServing() {
    ShardMap map =
        lab.awaitMap(
            m -> m.getShardsList().stream().noneMatch(ShardInfo::getFilling),
            "every added shard serving",
            DRAIN_MAX);
    progress.accept(
        "shards serving: "
            + map.getShardsList().stream().map(s -> Integer.toString(s.getShardId())).toList()
            + " (map epoch "
            + map.getEpoch()
            + ")");
  }

  /**
   * After membership changes: waits until no move is left, then {@code cairnctl verify} must find
   * every shard's replicas equal at one index.
   *
   * @throws ReplicaDivergence if replicas of a shard differ
   * @throws LivenessViolation if the replicas cannot all be checked within the bound
   */
  void verifyReplicas() {
    // No move in the map is not enough: between two batches of moves there is none for a moment.
    lab.awaitMap(
        m -> !LabCluster.anyMoving(m) && placementProblems(m).isEmpty(),
        "a complete placement with no move left",
        DRAIN_MAX);
    long deadline = System.nanoTime() + CHANGE_MAX.toNanos();
    while (true) {
      OperatorCli.Result r = cli.run("verify");
      if (r.ok()) {
        progress.accept("verify: every shard's replicas agree");
        return;
      }
      if (r.exitCode() == 6) {
        throw new ReplicaDivergence(r.summary());
      }
      if (System.nanoTime() > deadline) {
        throw new LivenessViolation("replicas could not all be verified: " + r.summary());
      }
      Pacing.pause(Duration.ofSeconds(1));
    }
  }

  /**
   * Runs a membership command until it succeeds, retrying while the cluster is unavailable (exit 4)
   * within {@code within}.
   *
   * @throws LivenessViolation if it is refused or never succeeds
   */
  private OperatorCli.Result retried(Duration within, String... command) {
    return retried(within, 0, command);
  }

  /** As {@link #retried(Duration, String...)}, also returning when it exits {@code accepted}. */
  private OperatorCli.Result retried(Duration within, int accepted, String... command) {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      OperatorCli.Result r = cli.run(command);
      if (r.ok() || r.exitCode() == accepted) {
        return r;
      }
      if (r.exitCode() != 4 || System.nanoTime() > deadline) {
        throw new LivenessViolation("membership change failed: " + r.summary());
      }
      Pacing.pause(Duration.ofMillis(500));
    }
  }

  private void awaitNotAnswering(String nodeId) {
    long deadline = System.nanoTime() + CHANGE_MAX.toNanos();
    while (System.nanoTime() < deadline) {
      ClusterStatus status = lab.clusterStatus(Duration.ofSeconds(5));
      if (status != null
          && status.getNodesList().stream().noneMatch(n -> n.getNodeId().equals(nodeId))) {
        return;
      }
      Pacing.pause(Duration.ofMillis(300));
    }
    throw new LivenessViolation(nodeId + " was killed but the cluster status still lists it");
  }

  private Optional<Integer> participant(MoveRole role, int shard, int from, int to) {
    return switch (role) {
      case SOURCE -> Optional.of(from);
      case TARGET -> Optional.of(to);
      case SHARD_LEADER -> Optional.ofNullable(lab.locator().leaders().get(shard));
      case META_LEADER -> metaLeader();
    };
  }

  private Optional<Integer> metaLeader() {
    ClusterStatus status = lab.clusterStatus(Duration.ofSeconds(5));
    if (status == null) {
      return Optional.empty();
    }
    Map<String, Integer> votes = new LinkedHashMap<>();
    status.getNodesList().stream()
        .flatMap(n -> n.getReplicasList().stream())
        .filter(ReplicaStatus::getIsMeta)
        .map(ReplicaStatus::getLeaderId)
        .filter(id -> !id.isEmpty())
        .forEach(id -> votes.merge(id, 1, Integer::sum));
    return votes.entrySet().stream()
        .max(Map.Entry.comparingByValue())
        .map(e -> LeaderLocator.nodeIndex(e.getKey()));
  }

  private int randomRunningMember(Random random) {
    List<Integer> running = lab.members().stream().filter(cluster::isAlive).toList();
    if (running.isEmpty()) {
      throw new IllegalStateException("no member is running to join through");
    }
    return running.get(random.nextInt(running.size()));
  }

  private static boolean activeIn(ShardMap map, int node) {
    return stateOf(map, ProcessCluster.nodeId(node))
        .filter(s -> s == NodeState.NODE_ACTIVE)
        .isPresent();
  }

  private static Optional<NodeState> stateOf(ShardMap map, String id) {
    return map.getNodesList().stream()
        .filter(n -> n.getId().equals(id))
        .map(NodeInfo::getState)
        .findFirst();
  }

  /**
   * What is wrong with the map's placement once no move is left, one sentence each: every data
   * shard has {@code min(R, active nodes)} distinct replicas and the meta group {@link
   * ShardPlacement#metaReplicas}, all on active nodes.
   */
  static List<String> placementProblems(ShardMap map) {
    List<String> active =
        map.getNodesList().stream()
            .filter(n -> n.getState() == NodeState.NODE_ACTIVE)
            .map(NodeInfo::getId)
            .toList();
    List<String> problems = new ArrayList<>();
    int dataReplicas = Math.min(map.getReplicationFactor(), active.size());
    for (ShardInfo s : map.getShardsList()) {
      checkGroup("shard " + s.getShardId(), s, dataReplicas, active, problems);
    }
    checkGroup(
        "the meta group",
        map.getMeta(),
        ShardPlacement.metaReplicas(active.size()),
        active,
        problems);
    return problems;
  }

  private static void checkGroup(
      String name, ShardInfo group, int wanted, List<String> active, List<String> problems) {
    List<String> replicas = group.getReplicasList();
    if (replicas.size() != wanted || replicas.stream().distinct().count() != replicas.size()) {
      problems.add(name + " has replicas " + replicas + ", wanted " + wanted + " distinct");
    }
    replicas.stream()
        .filter(id -> !active.contains(id))
        .forEach(id -> problems.add(name + " has a replica on " + id + ", not an active node"));
  }

  static long replicasOn(ShardMap map, String id) {
    return map.getShardsList().stream().filter(s -> s.getReplicasList().contains(id)).count()
        + (map.getMeta().getReplicasList().contains(id) ? 1 : 0);
  }
}

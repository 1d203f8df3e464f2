package io.cairn.tests.jepsen;

import io.cairn.proto.NodeState;
import io.cairn.proto.ShardMap;
import io.cairn.tests.cluster.ProcessCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Applies one {@link Fault} to the cluster and the lab, choosing its target with the episode's
 * random, and hands back how to heal it. Kills of a shard's leader are logged as {@link
 * LeaderKill}s; partitions are proven by {@link PartitionProof} right after they are applied, and a
 * partition that does not cut is healed and reported as a {@link PartitionProof.NotCutException}.
 *
 * <p>Healing only undoes the fault (a killed node is started again, not waited for), so that all
 * faults of an episode end together (the disk faults, always alone, are the exception: their heal
 * waits for the node to catch up); {@link #awaitRecovered()} then waits until every node is healthy
 * and takes writes for every shard again ({@link ForwardingCheck}), and the next episode starts
 * from a whole cluster. Called by the nemesis thread only.
 */
final class FaultInjector {

  /**
   * A fault in force: what it hit, and how to undo it; or, when {@code skipped}, why it hit
   * nothing.
   */
  record Applied(Fault fault, String target, Runnable heal, boolean skipped) {
    Applied(Fault fault, String target, Runnable heal) {
      this(fault, target, heal, false);
    }

    static Applied skipped(Fault fault, String why) {
      return new Applied(fault, why, () -> {}, true);
    }
  }

  private static final Duration NODE_HEALTHY_MAX = Duration.ofSeconds(90);
  // A membership change commits once the meta group has a quorum; faults in force may delay it.
  private static final Duration MEMBERSHIP_CALL_MAX = Duration.ofSeconds(90);
  private static final int SLOW_RATE_KBIT = 64;
  private static final int SLOW_QUEUE_MS = 300;

  private final LabCluster lab;
  private final ProcessCluster cluster;
  private final NetworkFaults network;
  private final PartitionProof proof;
  private final LeaderLocator locator;
  private final FaultLog log;
  private final DiskWipe diskWipe;
  private final DiskFull diskFull;
  private final ForwardingCheck forwarding;
  private final MembershipChanges membership;
  // KILL_MID_MOVE kills each participant role in turn, from a role the run's first such episode
  // picks (a soak's runs have few of them each; always starting with the same role would kill
  // only that one).
  private int midMoveKills;
  private int firstMidMoveRole = -1;

  /**
   * @param progress where steps worth a line in the run's output go (a full disk's catch-up)
   */
  FaultInjector(
      LabCluster lab, FaultLog log, ForwardingCheck forwarding, Consumer<String> progress) {
    this.lab = lab;
    this.cluster = lab.cluster();
    this.network = lab.network();
    this.proof = lab.proof();
    this.locator = lab.locator();
    this.log = log;
    this.diskWipe = new DiskWipe(lab);
    this.diskFull = new DiskFull(lab, progress);
    this.forwarding = forwarding;
    this.membership = new MembershipChanges(lab, progress);
  }

  Applied apply(Fault fault, Random random) {
    return switch (fault) {
      case KILL_LEADER -> kill(fault, leaderOrRandom(random));
      case KILL_FOLLOWER -> kill(fault, follower(random));
      case KILL_RANDOM -> kill(fault, randomNode(random));
      case PAUSE_LEADER -> pause(fault, leaderOrRandom(random));
      case PAUSE_RANDOM -> pause(fault, randomNode(random));
      // Over the running members: spares that never ran and removed nodes have no links to cut.
      case PARTITION_HALVES -> partition(fault, Cut.halves(memberList(), random));
      case PARTITION_ISOLATE_LEADER ->
          partition(fault, Cut.isolate(memberList(), leaderOrRandom(random)));
      case PARTITION_BRIDGE -> partition(fault, Cut.bridge(memberList(), random));
      case LINK_LOSS -> loss(fault, randomNode(random), 0.2 + 0.2 * random.nextDouble());
      case LINK_SLOW -> slow(fault, randomNode(random));
      case RESTART_ALL -> restartAll(fault);
      case WIPE_FOLLOWER -> wipe(fault, random);
      case DISK_FULL -> fillDisk(fault, random);
      case DRAIN_NODE -> drain(fault, random);
      case ADD_NODE -> addNode(fault, random);
      case REMOVE_NODE -> removeNode(fault, random);
      case REPLACE_NODE -> replaceNode(fault, random);
      case KILL_MID_MOVE -> killMidMove(fault, random);
      case ADD_SHARD ->
          membership
              .addShard()
              .map(said -> new Applied(fault, said, membership::awaitShardsServing))
              .orElseGet(() -> Applied.skipped(fault, "a shard added earlier is still filling"));
      case TRANSFER_LEADER ->
          membership
              .transferLeader(random)
              .map(said -> new Applied(fault, said, () -> {}))
              .orElseGet(() -> Applied.skipped(fault, "no other replica to transfer to"));
    };
  }

  /** The heal waits until the new node is an active member (its join committed). */
  private Applied addNode(Fault fault, Random random) {
    Optional<Integer> node = membership.addSpare(random);
    if (node.isEmpty()) {
      return Applied.skipped(fault, "no spare node left in the lab (see --spares)");
    }
    int n = node.get();
    return new Applied(
        fault,
        "n" + n + " joins (members now " + lab.members() + ")",
        () -> membership.awaitJoined(n));
  }

  /** Drained when applied; the heal waits until it holds nothing, removes it and stops it. */
  private Applied removeNode(Fault fault, Random random) {
    Optional<Integer> node = membership.removable(random);
    if (node.isEmpty()) {
      return Applied.skipped(fault, "only " + lab.members().size() + " members: none may go");
    }
    int n = node.get();
    String said = membership.drain(n);
    return new Applied(fault, "n" + n + ": " + said, () -> membership.finishRemoval(n));
  }

  private Applied replaceNode(Fault fault, Random random) {
    Map<Integer, Integer> leaders = locator.leaders();
    Optional<MembershipChanges.Replacement> done = membership.replaceDead(random);
    if (done.isEmpty()) {
      return Applied.skipped(fault, "no spare node left in the lab (see --spares)");
    }
    MembershipChanges.Replacement r = done.get();
    logLeaderKills(fault, leaders, r.dead(), r.killedAt());
    return new Applied(
        fault,
        "n" + r.dead() + leadership(leaders, r.dead()) + " killed; " + r.said(),
        () -> membership.awaitReplaced(r.dead(), r.fresh()));
  }

  private Applied killMidMove(Fault fault, Random random) {
    if (lab.members().size() < 4) {
      return Applied.skipped(fault, "moving a replica needs 4 or more members");
    }
    MembershipChanges.MoveRole[] roles = MembershipChanges.MoveRole.values();
    if (firstMidMoveRole < 0) {
      firstMidMoveRole = random.nextInt(roles.length);
    }
    MembershipChanges.MoveRole role = roles[(firstMidMoveRole + midMoveKills) % roles.length];
    Map<Integer, Integer> leaders = locator.leaders();
    Optional<MembershipChanges.KilledMove> killed = membership.killMidMove(random, role);
    if (killed.isEmpty()) {
      return Applied.skipped(fault, "no replica move could be started");
    }
    midMoveKills++;
    MembershipChanges.KilledMove k = killed.get();
    logLeaderKills(fault, leaders, k.killed(), k.killedAt());
    return new Applied(fault, k.description(), () -> cluster.start(k.killed()));
  }

  private void logLeaderKills(Fault fault, Map<Integer, Integer> leaders, int node, long at) {
    leaders.forEach(
        (shard, leader) -> {
          if (leader == node) {
            log.leaderKilled(new LeaderKill(shard, node, at, fault));
          }
        });
  }

  private Applied drain(Fault fault, Random random) {
    if (lab.members().size() < 4) {
      return Applied.skipped(fault, "draining needs 4 or more nodes (with 3 there is no room)");
    }
    int node = randomNode(random);
    String id = "n" + node;
    ShardMap map = lab.setNodeState(id, NodeState.NODE_DRAINING, MEMBERSHIP_CALL_MAX);
    long held =
        map.getShardsList().stream().filter(s -> s.getReplicasList().contains(id)).count()
            + (map.getMeta().getReplicasList().contains(id) ? 1 : 0);
    return new Applied(
        fault,
        id + " draining (it held " + held + " replicas, map epoch " + map.getEpoch() + ")",
        () -> lab.setNodeState(id, NodeState.NODE_ACTIVE, MEMBERSHIP_CALL_MAX));
  }

  private Applied kill(Fault fault, int node) {
    Map<Integer, Integer> leaders = locator.leaders();
    cluster.kill9(node);
    logLeaderKills(fault, leaders, node, System.nanoTime());
    return new Applied(fault, "n" + node + leadership(leaders, node), () -> cluster.start(node));
  }

  private Applied pause(Fault fault, int node) {
    Map<Integer, Integer> leaders = locator.leaders();
    cluster.signal(node, "STOP");
    return new Applied(
        fault, "n" + node + leadership(leaders, node), () -> cluster.signal(node, "CONT"));
  }

  private Applied partition(Fault fault, Cut cut) {
    network.cut(cut);
    try {
      PartitionProof.Evidence evidence = proof.verify(cut, cluster::isAlive);
      log.partitionProven(cut + ": " + evidence);
    } catch (RuntimeException e) {
      network.heal(cut);
      throw e;
    }
    return new Applied(fault, cut.toString(), () -> network.heal(cut));
  }

  private Applied loss(Fault fault, int node, double probability) {
    network.loss(node, probability);
    return new Applied(
        fault,
        "n" + node + String.format(java.util.Locale.ROOT, " drops %.0f%%", probability * 100),
        () -> network.clearLoss(node, probability));
  }

  private Applied slow(Fault fault, int node) {
    network.slow(node, SLOW_RATE_KBIT, SLOW_QUEUE_MS);
    return new Applied(
        fault,
        "n" + node + " egress " + SLOW_RATE_KBIT + " kbit/s, queue " + SLOW_QUEUE_MS + " ms",
        () -> network.clearSlow(node));
  }

  private Applied restartAll(Fault fault) {
    Map<Integer, Integer> leaders = locator.leaders();
    for (int node : lab.members()) {
      cluster.kill9(node);
    }
    long killedAt = System.nanoTime();
    leaders.forEach(
        (shard, leader) -> log.leaderKilled(new LeaderKill(shard, leader, killedAt, fault)));
    List<Integer> killed = List.copyOf(lab.members());
    return new Applied(
        fault,
        "all " + killed.size() + " nodes",
        () -> {
          for (int node : killed) {
            cluster.start(node);
          }
        });
  }

  /**
   * Healing a wipe waits until the node caught up ({@link DiskWipe}): the next episode must not
   * find the cluster's only copies of recent entries on fewer nodes than a majority.
   */
  private Applied wipe(Fault fault, Random random) {
    Optional<DiskWipe.Target> chosen = diskWipe.choose(random);
    if (chosen.isEmpty()) {
      return Applied.skipped(
          fault, "the cluster was not whole, or no node could be freed of its leaderships");
    }
    DiskWipe.Target target = diskWipe.wipe(chosen.get());
    return new Applied(
        fault,
        "n"
            + target.node()
            + " (data deleted; rejoins empty and must catch up on groups "
            + target.groups()
            + ", 0 = meta)",
        () -> diskWipe.restartAndAwaitCaughtUp(target));
  }

  /**
   * The node exits on its own once its disk is full (or the run fails here); healing frees the
   * space, starts it and waits for it to catch up, like a wipe's.
   */
  private Applied fillDisk(Fault fault, Random random) {
    Optional<DiskFull.Target> chosen = diskFull.choose(random);
    if (chosen.isEmpty()) {
      return Applied.skipped(fault, "the cluster was not whole");
    }
    DiskFull.Target target = chosen.get();
    Map<Integer, Integer> leaders = locator.leaders();
    String how = diskFull.fillUntilExit(target, random);
    return new Applied(
        fault,
        "n" + target.node() + leadership(leaders, target.node()) + ": " + how,
        () -> diskFull.releaseRestartAndAwaitCaughtUp(target));
  }

  /**
   * Waits until the cluster is whole again ({@link LabCluster#awaitWhole}), then until every node
   * takes a write for every shard.
   *
   * @throws LivenessViolation if a node keeps refusing writes ({@link ForwardingCheck})
   */
  void awaitRecovered() {
    lab.awaitWhole(NODE_HEALTHY_MAX);
    forwarding.verify(cluster::isAlive);
  }

  /**
   * After an episode that changed the cluster's shape: {@link #awaitRecovered()}, then until no
   * replica moves, then {@code cairnctl verify} must find every shard's replicas equal.
   *
   * @throws ReplicaDivergence if they differ
   */
  void awaitRecoveredAndVerified() {
    awaitRecovered();
    membership.verifyReplicas();
  }

  private int leaderOrRandom(Random random) {
    List<Integer> shards = locator.shards();
    if (!shards.isEmpty()) {
      int shard = shards.get(random.nextInt(shards.size()));
      Integer leader = locator.leaders().get(shard);
      if (leader != null) {
        return leader;
      }
    }
    return randomNode(random);
  }

  private int follower(Random random) {
    List<Integer> shards = locator.shards();
    if (!shards.isEmpty()) {
      int shard = shards.get(random.nextInt(shards.size()));
      Integer leader = locator.leaders().get(shard);
      List<Integer> followers = new ArrayList<>(locator.replicas(shard));
      followers.remove(leader);
      if (!followers.isEmpty()) {
        return followers.get(random.nextInt(followers.size()));
      }
    }
    return randomNode(random);
  }

  private int randomNode(Random random) {
    List<Integer> members = memberList();
    return members.get(random.nextInt(members.size()));
  }

  private List<Integer> memberList() {
    return List.copyOf(lab.members());
  }

  private static String leadership(Map<Integer, Integer> leaders, int node) {
    List<Integer> led =
        leaders.entrySet().stream()
            .filter(e -> e.getValue() == node)
            .map(Map.Entry::getKey)
            .sorted()
            .toList();
    return led.isEmpty() ? " (leads no shard)" : " (leader of shard " + led + ")";
  }
}

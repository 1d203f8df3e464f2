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
  }

  Applied apply(Fault fault, Random random) {
    return switch (fault) {
      case KILL_LEADER -> kill(fault, leaderOrRandom(random));
      case KILL_FOLLOWER -> kill(fault, follower(random));
      case KILL_RANDOM -> kill(fault, randomNode(random));
      case PAUSE_LEADER -> pause(fault, leaderOrRandom(random));
      case PAUSE_RANDOM -> pause(fault, randomNode(random));
      case PARTITION_HALVES -> partition(fault, Cut.halves(cluster.size(), random));
      case PARTITION_ISOLATE_LEADER ->
          partition(fault, Cut.isolate(cluster.size(), leaderOrRandom(random)));
      case PARTITION_BRIDGE -> partition(fault, Cut.bridge(cluster.size(), random));
      case LINK_LOSS -> loss(fault, randomNode(random), 0.2 + 0.2 * random.nextDouble());
      case LINK_SLOW -> slow(fault, randomNode(random));
      case RESTART_ALL -> restartAll(fault);
      case WIPE_FOLLOWER -> wipe(fault, random);
      case DISK_FULL -> fillDisk(fault, random);
      case DRAIN_NODE -> drain(fault, random);
    };
  }

  private Applied drain(Fault fault, Random random) {
    if (cluster.size() < 4) {
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
    long killedAt = System.nanoTime();
    leaders.forEach(
        (shard, leader) -> {
          if (leader == node) {
            log.leaderKilled(new LeaderKill(shard, node, killedAt, fault));
          }
        });
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
    for (int node = 1; node <= cluster.size(); node++) {
      cluster.kill9(node);
    }
    long killedAt = System.nanoTime();
    leaders.forEach(
        (shard, leader) -> log.leaderKilled(new LeaderKill(shard, leader, killedAt, fault)));
    return new Applied(
        fault,
        "all " + cluster.size() + " nodes",
        () -> {
          for (int node = 1; node <= cluster.size(); node++) {
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
    return 1 + random.nextInt(cluster.size());
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

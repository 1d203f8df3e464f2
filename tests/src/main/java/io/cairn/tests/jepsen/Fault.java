package io.cairn.tests.jepsen;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** The faults a chaos run can inject; each is applied, held for a bounded time, then healed. */
public enum Fault {
  /** kill -9 the leader of a (seeded) shard; restart it when the fault ends. */
  KILL_LEADER(Category.KILL),
  /** kill -9 a replica that does not lead the chosen shard; restart it. */
  KILL_FOLLOWER(Category.KILL),
  /** kill -9 a random node; restart it. */
  KILL_RANDOM(Category.KILL),
  /** SIGSTOP the leader of a shard; SIGCONT when the fault ends. */
  PAUSE_LEADER(Category.PAUSE),
  /** SIGSTOP a random node; SIGCONT. */
  PAUSE_RANDOM(Category.PAUSE),
  /** Split the nodes into a random minority and majority. */
  PARTITION_HALVES(Category.PARTITION),
  /** Cut a shard's leader off from every other node (clients still reach it). */
  PARTITION_ISOLATE_LEADER(Category.PARTITION),
  /** Two halves that cannot talk, joined only through one bridge node. */
  PARTITION_BRIDGE(Category.PARTITION),
  /** Drop a share of one node's packets, both directions. */
  LINK_LOSS(Category.LINK),
  /** Throttle one node's egress so its packets queue (and overflow). */
  LINK_SLOW(Category.LINK),
  /** kill -9 every node at once, then start them all again. */
  RESTART_ALL(Category.RESTART),
  /**
   * Disk loss: kill -9 a node that only follows, delete its data directory, start it empty once the
   * others hold all it had acknowledged, and wait until it has caught up. Raft survives losing one
   * node's disk only under the conditions {@link DiskWipe} enforces (docs/operations.md,
   * "Failures", a disk is lost).
   */
  WIPE_FOLLOWER(Category.DISK),
  /**
   * Full disk: take all but a little of a node's data filesystem with a balloon file and write
   * large filler values to its shards until it cannot write its Raft log. It must then exit with
   * code 74 and a FATAL line within 60 s (docs/operations.md, "A disk fills up or fails"); the
   * balloon goes, the node is started again and the episode ends once it has caught up ({@link
   * DiskFull}). Needs the run's nodes on small filesystems of their own ({@link
   * ChaosOptions#smallDisks}).
   */
  DISK_FULL(Category.DISK),
  /**
   * Membership change under load: mark a random node draining, so the rebalancer moves its replicas
   * and leaderships to the other nodes through Raft while the workload runs (and, combined, while a
   * network fault is in force); healing makes it active again, so replicas move back. Moves go on
   * across episodes; the run ends by waiting until none is left ({@link
   * LabCluster#awaitPlacementSettled}). Needs 4 or more nodes (with 3 there is nowhere to move to);
   * skipped otherwise.
   */
  DRAIN_NODE(Category.MEMBERSHIP),
  /**
   * Growth: the lowest spare node of the lab starts with {@code cluster.join} and adds itself; the
   * rebalancer moves replicas onto it. The episode ends once it is an active member; the cluster
   * then settles and {@code cairnctl verify} must pass. Needs spare nodes ({@code --spares}).
   */
  ADD_NODE(Category.MEMBERSHIP),
  /**
   * Shrinking: {@code cairnctl node drain} of a random member; healing waits until it holds
   * nothing, then {@code cairnctl node remove}s it and stops it for good. Needs 4 or more members.
   */
  REMOVE_NODE(Category.MEMBERSHIP),
  /**
   * A dead node replaced: kill -9 a random member, then {@code cairnctl node replace DEAD NEW} with
   * the lowest spare, which joins; its replicas are re-created on live nodes. Always alone in its
   * episode (it takes a voter of every group it held). Needs spare nodes.
   */
  REPLACE_NODE(Category.MEMBERSHIP),
  /**
   * A replica move interrupted: {@code cairnctl shard move} of a random shard's replica to a member
   * without one, then, at a random moment within 2.5 s, kill -9 of one participant - the shard's
   * leader, the replica leaving, the one arriving or the meta group's leader, in turn. The move
   * must finish or be undone once the node is back. Always alone in its episode. Needs 4 or more
   * members.
   */
  KILL_MID_MOVE(Category.MEMBERSHIP),
  /**
   * {@code cairnctl leader transfer} of a random group (a data shard or the meta group) to another
   * of its replicas, which becomes its pinned preferred leader; leadership moves once it has caught
   * up. Nothing to heal: the pin stays (a later drain or removal of the node moves it on).
   */
  TRANSFER_LEADER(Category.MEMBERSHIP),
  /**
   * A shard added under load ({@code cairnctl shard add}, docs/shard-split.md): its group is
   * founded and grown by moves, then every serving shard is fenced, its moved keys and sessions are
   * copied in and the new shard serves. Its keys are unavailable meanwhile, never lost or served
   * stale. Skipped while an earlier one still fills; the heal waits until the added shard serves
   * (and with kills or partitions in the same episode, the split resumes once they heal).
   */
  ADD_SHARD(Category.MEMBERSHIP);

  /** Groups of faults, as named on the command line. */
  public enum Category {
    KILL,
    PAUSE,
    PARTITION,
    LINK,
    RESTART,
    DISK,
    MEMBERSHIP;

    /** Faults of these categories are always alone in their episode. */
    public boolean isAlone() {
      return this == RESTART || this == DISK;
    }

    /** Network faults can be combined with process faults in one episode. */
    public boolean isNetwork() {
      return this == PARTITION || this == LINK;
    }
  }

  private final Category category;

  Fault(Category category) {
    this.category = category;
  }

  public Category category() {
    return category;
  }

  /**
   * Changes which nodes hold which replicas for good (not undone by healing): after its episode the
   * run waits until no move is left and {@code cairnctl verify} passes.
   */
  public boolean changesShape() {
    return this == ADD_NODE
        || this == REMOVE_NODE
        || this == REPLACE_NODE
        || this == KILL_MID_MOVE
        || this == ADD_SHARD;
  }

  /**
   * Never combined with another fault in one episode: its category's, and the membership faults
   * that kill a node (with a partition on top, a shard could lose its quorum for the whole hold).
   */
  public boolean isAlone() {
    return category.isAlone() || this == REPLACE_NODE || this == KILL_MID_MOVE;
  }

  /**
   * Parses an ordered, comma-separated list of fault names (not categories), e.g. {@code
   * add_node,add_node,remove_node}: a scripted run's episodes.
   */
  public static java.util.List<Fault> parseSequence(String list) {
    java.util.List<Fault> faults = new java.util.ArrayList<>();
    for (String raw : list.split(",")) {
      String name = raw.strip().toUpperCase(Locale.ROOT).replace('-', '_');
      if (name.isEmpty()) {
        continue;
      }
      try {
        faults.add(valueOf(name));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "unknown fault '"
                + raw.strip()
                + "' in the plan; use fault names from "
                + EnumSet.allOf(Fault.class));
      }
    }
    if (faults.isEmpty()) {
      throw new IllegalArgumentException("no faults in the plan '" + list + "'");
    }
    return faults;
  }

  /**
   * Parses a comma-separated list of fault names or category names (kill, pause, partition, link,
   * restart, disk, membership) or "all", case-insensitive, e.g. {@code
   * kill,partition_isolate_leader}.
   */
  public static Set<Fault> parse(String list) {
    Set<Fault> faults = EnumSet.noneOf(Fault.class);
    for (String raw : list.split(",")) {
      String name = raw.strip().toUpperCase(Locale.ROOT).replace('-', '_');
      if (name.isEmpty()) {
        continue;
      }
      if (name.equals("ALL")) {
        faults.addAll(EnumSet.allOf(Fault.class));
        continue;
      }
      boolean matched = false;
      for (Fault f : values()) {
        if (f.name().equals(name) || f.category.name().equals(name)) {
          faults.add(f);
          matched = true;
        }
      }
      if (!matched) {
        throw new IllegalArgumentException(
            "unknown fault '"
                + raw.strip()
                + "'; use all, a category (kill, pause,"
                + " partition, link, restart, disk, membership) or one of "
                + EnumSet.allOf(Fault.class));
      }
    }
    if (faults.isEmpty()) {
      throw new IllegalArgumentException("no faults named in '" + list + "'");
    }
    return faults;
  }
}

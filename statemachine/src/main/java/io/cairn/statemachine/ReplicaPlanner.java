package io.cairn.statemachine;

import io.cairn.proto.KeyHash;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Decides where every Raft group's replicas should be, given where they are now and which nodes may
 * hold them: the placement the rebalancer drives the cluster towards, and the initial map.
 *
 * <p>Two goals, in this order: every group gets its wanted number of replicas on distinct nodes,
 * and every node that accepts replicas holds within one of the mean ({@code floor(T/n)} or {@code
 * ceil(T/n)} of the {@code T} replicas on the {@code n} accepting nodes); then, as few replicas
 * move as that allows. The plan starts from the current placement and only changes what those goals
 * require, so one node joining moves about {@code T/(n+1)} replicas (all to it) and one leaving
 * moves about the replicas it held: the minimum any placement can do.
 *
 * <p>Why not plain consistent hashing (each group on the first nodes clockwise from its point, as
 * the first maps did): with 100 replicas per node its spread is tens of percent (the nodes' arcs
 * vary that much even with many virtual nodes), and an operator who adds a node to relieve a hot
 * one cannot count on it taking its share. This is consistent hashing with bounded loads (Mirrokni,
 * Thorup, Zadimoghaddam 2018) at the tightest bound, run incrementally: where a choice is free (a
 * new replica's node among the least loaded, which of a donor's replicas moves), a rendezvous hash
 * of (group, node) decides, so replicas of one group do not pile onto the same few neighbours.
 *
 * <p>Nodes play one of three {@link Role}s. Replicas on a {@link Role#KEEPS} node (down, but not
 * for long) stay where they are and count towards their group, but it gets nothing new; replicas on
 * an {@link Role#EVICTS} node (draining, removed, down too long, or unknown) are re-created
 * elsewhere. A group keeps an evicted replica only while no accepting node can take its place, so a
 * plan never leaves a group with fewer replicas than it had.
 *
 * <p>Pure and deterministic: the same inputs give the same plan on every node and every run.
 */
public final class ReplicaPlanner {

  /** What a node may do with replicas. */
  public enum Role {
    /** Up and a full member: keeps its replicas and takes new ones. */
    ACCEPTS,
    /** Down for a short while: keeps its replicas but takes no new ones. */
    KEEPS,
    /** Draining, removed, or down too long: its replicas are to be re-created elsewhere. */
    EVICTS
  }

  /** One Raft group: its id, how many replicas it wants, and the nodes that hold them now. */
  public record Group(int id, int wanted, List<String> replicas) {
    public Group {
      if (wanted < 1) {
        throw new IllegalArgumentException("group " + id + " wants " + wanted + " replicas");
      }
      replicas = List.copyOf(replicas);
    }
  }

  private ReplicaPlanner() {}

  /**
   * The target placement.
   *
   * @param groups every group, each id once
   * @param nodes every known node and its role; a node named by a group but absent here is treated
   *     as {@link Role#EVICTS}
   * @return by group id, the nodes that should hold its replicas: the current ones that stay, in
   *     their current order, then the new ones
   */
  public static SortedMap<Integer, List<String>> plan(List<Group> groups, Map<String, Role> nodes) {
    return new Planning(groups, nodes).run();
  }

  /** Replicas that {@code target} places where {@code current} has none: the moves it needs. */
  public static int moves(Map<Integer, List<String>> current, Map<Integer, List<String>> target) {
    int moves = 0;
    for (Map.Entry<Integer, List<String>> e : target.entrySet()) {
      Set<String> before = new HashSet<>(current.getOrDefault(e.getKey(), List.of()));
      for (String node : e.getValue()) {
        if (!before.contains(node)) {
          moves++;
        }
      }
    }
    return moves;
  }

  /** The tie-breaking score of placing a replica of {@code group} on a node: higher wins. */
  static long score(int group, long nodeHash) {
    return fmix64(nodeHash ^ (group * 0x9E3779B97F4A7C15L));
  }

  private static long nodeHash(String nodeId) {
    return KeyHash.hash64(("placement/node/" + nodeId).getBytes(StandardCharsets.UTF_8));
  }

  private static long fmix64(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }

  /** One run of {@link #plan}: mutable working state, thrown away afterwards. */
  private static final class Planning {
    private final List<Group> groups;
    private final Map<String, Role> roles;
    private final SortedMap<Integer, List<String>> placement = new TreeMap<>();
    private final Map<String, Long> hashes = new HashMap<>();
    // Accepting nodes only: their load, the groups they hold, and the nodes by load.
    private final Map<String, Integer> load = new HashMap<>();
    private final Map<String, Set<Integer>> held = new HashMap<>();
    private final TreeMap<Integer, TreeSet<String>> byLoad = new TreeMap<>();

    Planning(List<Group> groups, Map<String, Role> roles) {
      // By id, so the plan does not depend on the order the caller listed the groups in.
      this.groups = groups.stream().sorted(java.util.Comparator.comparingInt(Group::id)).toList();
      this.roles = roles;
      roles.forEach(
          (node, role) -> {
            hashes.put(node, nodeHash(node));
            if (role == Role.ACCEPTS) {
              load.put(node, 0);
              held.put(node, new HashSet<>());
              byLoad.computeIfAbsent(0, l -> new TreeSet<>()).add(node);
            }
          });
    }

    SortedMap<Integer, List<String>> run() {
      for (Group g : groups) {
        if (placement.containsKey(g.id())) {
          throw new IllegalArgumentException("group " + g.id() + " appears more than once");
        }
        placement.put(g.id(), new ArrayList<>());
      }
      // 1. Keep what may stay: replicas on accepting and keeping nodes, at most `wanted` of them.
      for (Group g : groups) {
        List<String> kept = placement.get(g.id());
        for (String node : g.replicas()) {
          Role role = roles.getOrDefault(node, Role.EVICTS);
          if (role != Role.EVICTS && !kept.contains(node) && kept.size() < g.wanted()) {
            kept.add(node);
            if (role == Role.ACCEPTS) {
              addLoad(node, g.id());
            }
          }
        }
      }
      // 2. Fill each group up to `wanted` on the least loaded accepting nodes; where none is left,
      // keep an evicted replica rather than run a group short.
      for (Group g : groups) {
        List<String> replicas = placement.get(g.id());
        while (replicas.size() < g.wanted()) {
          String node = leastLoadedWithout(g.id(), replicas);
          if (node == null) {
            break;
          }
          replicas.add(node);
          addLoad(node, g.id());
        }
        for (String node : g.replicas()) {
          if (replicas.size() >= g.wanted()) {
            break;
          }
          if (!replicas.contains(node)) {
            replicas.add(node);
          }
        }
      }
      // 3. Even out: move replicas from the most to the least loaded node while they differ by 2
      // or more. Each move lowers the sum of squared loads, so this ends.
      while (!byLoad.isEmpty() && byLoad.lastKey() - byLoad.firstKey() >= 2) {
        if (!moveOne()) {
          break;
        }
      }
      return placement;
    }

    /** The accepting node with the least load not in {@code exclude}; score breaks ties. */
    private String leastLoadedWithout(int group, List<String> exclude) {
      for (TreeSet<String> sameLoad : byLoad.values()) {
        String best = null;
        long bestScore = 0;
        for (String node : sameLoad) {
          if (exclude.contains(node)) {
            continue;
          }
          long s = score(group, hashes.get(node));
          if (best == null || Long.compareUnsigned(s, bestScore) > 0) {
            best = node;
            bestScore = s;
          }
        }
        if (best != null) {
          return best;
        }
      }
      return null;
    }

    /**
     * Moves one replica from a most loaded node to a least loaded one that does not hold its group;
     * false if no such pair exists.
     */
    private boolean moveOne() {
      int low = byLoad.firstKey();
      for (Map.Entry<Integer, TreeSet<String>> high : byLoad.descendingMap().entrySet()) {
        if (high.getKey() - low < 2) {
          return false;
        }
        for (String donor : high.getValue()) {
          for (Map.Entry<Integer, TreeSet<String>> lowBucket : byLoad.entrySet()) {
            if (high.getKey() - lowBucket.getKey() < 2) {
              break;
            }
            for (String recipient : lowBucket.getValue()) {
              Integer group = bestGroupToMove(donor, recipient);
              if (group != null) {
                move(group, donor, recipient);
                return true;
              }
            }
          }
        }
      }
      return false;
    }

    /** Of the donor's groups the recipient lacks, the one the recipient scores highest. */
    private Integer bestGroupToMove(String donor, String recipient) {
      Set<Integer> recipientHolds = held.get(recipient);
      long recipientHash = hashes.get(recipient);
      Integer best = null;
      long bestScore = 0;
      for (int group : held.get(donor)) {
        if (recipientHolds.contains(group)) {
          continue;
        }
        long s = score(group, recipientHash);
        if (best == null
            || Long.compareUnsigned(s, bestScore) > 0
            || (s == bestScore && group < best)) {
          best = group;
          bestScore = s;
        }
      }
      return best;
    }

    private void move(int group, String from, String to) {
      List<String> replicas = placement.get(group);
      replicas.remove(from);
      replicas.add(to);
      removeLoad(from, group);
      addLoad(to, group);
    }

    private void addLoad(String node, int group) {
      held.get(node).add(group);
      relist(node, 1);
    }

    private void removeLoad(String node, int group) {
      held.get(node).remove(group);
      relist(node, -1);
    }

    private void relist(String node, int delta) {
      int before = load.get(node);
      TreeSet<String> bucket = byLoad.get(before);
      bucket.remove(node);
      if (bucket.isEmpty()) {
        byLoad.remove(before);
      }
      load.put(node, before + delta);
      byLoad.computeIfAbsent(before + delta, l -> new TreeSet<>()).add(node);
    }
  }
}

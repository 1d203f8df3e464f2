package io.cairn.statemachine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Decides which leaderships to transfer so every node leads about as many groups as every other.
 *
 * <p>A leader does more work than a follower (it proposes, answers reads, and sends to every
 * follower), so a node leading two of three shards while another leads none is a hot spot. Leaders
 * are not placed, only elected, so after elections and restarts the rebalancer asks this planner
 * for transfers.
 *
 * <p>The result is as even as the placement allows: when no transfer remains, no node can give a
 * leadership, directly or through a chain of transfers along groups' replicas, to a node leading
 * two or more fewer. (That is an augmenting path argument: each step moves one leadership along
 * such a chain, ends the chain two apart, and lowers the sum of squared counts.) With every group
 * on enough nodes this reaches max - min &le; 1. Leaders on nodes that may not lead (draining,
 * being removed) go first, to the least-leading replica that may.
 *
 * <p>Pure and deterministic.
 */
public final class LeaderPlanner {

  /** Move the leadership of {@code group} from {@code from} to {@code to}. */
  public record Transfer(int group, String from, String to) {}

  private LeaderPlanner() {}

  /**
   * The transfers that balance leadership.
   *
   * @param replicas by group, the nodes holding its voting replicas
   * @param leaders by group, its current leader; groups without a known leader are absent and left
   *     alone
   * @param candidates the nodes that may lead (up and not leaving)
   * @return transfers by group id, each group at most once, from its current leader to its planned
   *     one
   */
  public static List<Transfer> plan(
      Map<Integer, List<String>> replicas, Map<Integer, String> leaders, Set<String> candidates) {
    Map<Integer, String> planned = new TreeMap<>(leaders);
    Map<String, TreeSet<Integer>> led = new TreeMap<>();
    candidates.forEach(c -> led.put(c, new TreeSet<>()));
    for (Map.Entry<Integer, String> e : planned.entrySet()) {
      if (led.containsKey(e.getValue())) {
        led.get(e.getValue()).add(e.getKey());
      }
    }
    // Leaders that may not lead: hand each to the least-leading candidate among its replicas.
    for (Map.Entry<Integer, String> e : planned.entrySet()) {
      if (!led.containsKey(e.getValue())) {
        int group = e.getKey();
        replicas.getOrDefault(group, List.of()).stream()
            .filter(led::containsKey)
            .min(Comparator.comparingInt((String n) -> led.get(n).size()).thenComparing(n -> n))
            .ifPresent(
                to -> {
                  e.setValue(to);
                  led.get(to).add(group);
                });
      }
    }
    while (shiftAlongOnePath(replicas, planned, led)) {
      // each pass moves one leadership along a chain; see the class doc for why this ends
    }
    List<Transfer> transfers = new ArrayList<>();
    for (Map.Entry<Integer, String> e : planned.entrySet()) {
      String from = leaders.get(e.getKey());
      if (!Objects.equals(from, e.getValue())) {
        transfers.add(new Transfer(e.getKey(), from, e.getValue()));
      }
    }
    return transfers;
  }

  /**
   * Finds, from the most-leading node down, a chain of transfers to a node leading at least two
   * fewer, and applies it; false if there is none.
   */
  private static boolean shiftAlongOnePath(
      Map<Integer, List<String>> replicas,
      Map<Integer, String> planned,
      Map<String, TreeSet<Integer>> led) {
    List<String> sources = new ArrayList<>(led.keySet());
    sources.sort(
        Comparator.comparingInt((String n) -> led.get(n).size()).reversed().thenComparing(n -> n));
    for (String source : sources) {
      int sourceCount = led.get(source).size();
      // Breadth-first over "x leads a group y also holds": the shortest chain to a light node.
      record Step(String previous, int group) {}
      Map<String, Step> reachedBy = new HashMap<>();
      reachedBy.put(source, null);
      Deque<String> queue = new ArrayDeque<>(List.of(source));
      while (!queue.isEmpty()) {
        String x = queue.poll();
        for (int group : led.get(x)) {
          for (String y : replicas.getOrDefault(group, List.of())) {
            if (!led.containsKey(y) || reachedBy.containsKey(y)) {
              continue;
            }
            reachedBy.put(y, new Step(x, group));
            if (led.get(y).size() <= sourceCount - 2) {
              for (String to = y; !to.equals(source); ) {
                Step step = reachedBy.get(to);
                led.get(step.previous()).remove(step.group());
                led.get(to).add(step.group());
                planned.put(step.group(), to);
                to = step.previous();
              }
              return true;
            }
            queue.add(y);
          }
        }
      }
    }
    return false;
  }
}

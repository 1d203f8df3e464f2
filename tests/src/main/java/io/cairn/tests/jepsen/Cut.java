package io.cairn.tests.jepsen;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A network partition as the set of node-to-node links it cuts. Clients (root namespace) are never
 * cut. Shapes:
 *
 * <ul>
 *   <li>{@link #halves}: a random split into a minority and a majority;
 *   <li>{@link #isolate}: one node (typically a leader) alone against the rest;
 *   <li>{@link #bridge}: two halves that cannot talk to each other, and one bridge node that talks
 *       to both - each half plus the bridge is a majority, so two majorities overlap in one node
 *       (Jepsen's "majorities ring" in its smallest form).
 * </ul>
 */
public record Cut(String shape, Set<Link> links) {

  public Cut {
    links = Collections.unmodifiableSet(new LinkedHashSet<>(links));
  }

  public static Cut halves(int nodes, Random random) {
    List<Integer> order = shuffled(nodes, random);
    List<Integer> minority = order.subList(0, nodes / 2);
    List<Integer> majority = order.subList(nodes / 2, nodes);
    return new Cut(
        "halves " + names(minority) + " | " + names(majority), across(minority, majority));
  }

  public static Cut isolate(int nodes, int node) {
    List<Integer> rest = IntStream.rangeClosed(1, nodes).filter(i -> i != node).boxed().toList();
    return new Cut("isolate n" + node + " | " + names(rest), across(List.of(node), rest));
  }

  public static Cut bridge(int nodes, Random random) {
    if (nodes < 3) {
      throw new IllegalArgumentException("a bridge needs at least 3 nodes, got " + nodes);
    }
    List<Integer> order = shuffled(nodes, random);
    int bridgeNode = order.get(0);
    List<Integer> rest = order.subList(1, nodes);
    List<Integer> left = rest.subList(0, rest.size() / 2);
    List<Integer> right = rest.subList(rest.size() / 2, rest.size());
    return new Cut(
        "bridge " + names(left) + " <- n" + bridgeNode + " -> " + names(right),
        across(left, right));
  }

  /** Whether the link between {@code a} and {@code b} is cut. */
  public boolean cuts(int a, int b) {
    return a != b && links.contains(new Link(a, b));
  }

  private static Set<Link> across(List<Integer> left, List<Integer> right) {
    Set<Link> links = new LinkedHashSet<>();
    for (int a : left) {
      for (int b : right) {
        links.add(new Link(a, b));
      }
    }
    return links;
  }

  private static List<Integer> shuffled(int nodes, Random random) {
    List<Integer> order = new ArrayList<>(IntStream.rangeClosed(1, nodes).boxed().toList());
    Collections.shuffle(order, random);
    return order;
  }

  private static String names(List<Integer> nodes) {
    return nodes.stream().sorted().map(i -> "n" + i).collect(Collectors.joining(",", "{", "}"));
  }

  @Override
  public String toString() {
    return shape;
  }
}

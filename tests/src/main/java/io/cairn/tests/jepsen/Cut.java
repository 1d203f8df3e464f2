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
    return halves(numbered(nodes), random);
  }

  /** A random split of {@code nodes} (the running members, say) into a minority and a majority. */
  public static Cut halves(List<Integer> nodes, Random random) {
    List<Integer> order = shuffled(nodes, random);
    int n = order.size();
    List<Integer> minority = order.subList(0, n / 2);
    List<Integer> majority = order.subList(n / 2, n);
    return new Cut(
        "halves " + names(minority) + " | " + names(majority), across(minority, majority));
  }

  public static Cut isolate(int nodes, int node) {
    return isolate(numbered(nodes), node);
  }

  /** {@code node} alone against the rest of {@code nodes}. */
  public static Cut isolate(List<Integer> nodes, int node) {
    List<Integer> rest = nodes.stream().filter(i -> i != node).toList();
    return new Cut("isolate n" + node + " | " + names(rest), across(List.of(node), rest));
  }

  public static Cut bridge(int nodes, Random random) {
    return bridge(numbered(nodes), random);
  }

  /** Two halves of {@code nodes} joined only through one bridge node among them. */
  public static Cut bridge(List<Integer> nodes, Random random) {
    if (nodes.size() < 3) {
      throw new IllegalArgumentException("a bridge needs at least 3 nodes, got " + nodes);
    }
    List<Integer> order = shuffled(nodes, random);
    int bridgeNode = order.get(0);
    List<Integer> rest = order.subList(1, order.size());
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

  private static List<Integer> numbered(int nodes) {
    return IntStream.rangeClosed(1, nodes).boxed().toList();
  }

  private static List<Integer> shuffled(List<Integer> nodes, Random random) {
    List<Integer> order = new ArrayList<>(nodes);
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

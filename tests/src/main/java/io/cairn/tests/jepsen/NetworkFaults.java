package io.cairn.tests.jepsen;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Network faults inside the lab's node namespaces. Every fault is undone by exactly the call that
 * names it ({@link #heal(Cut)}, {@link #clearLoss}, {@link #clearSlow}); {@link #clearAll()}
 * removes every rule and qdisc from every node namespace whatever happened before.
 *
 * <ul>
 *   <li>Partitions: iptables DROP in both directions (INPUT from and OUTPUT to the peer's address)
 *       on both ends of each cut link.
 *   <li>Loss: iptables {@code statistic --mode random} DROP on all of a node's traffic, in and out
 *       (clients see the lossy node too).
 *   <li>Slow link: a token bucket (tc tbf) on the node's egress. This kernel has no sch_netem
 *       (CONFIG_NET_SCH_NETEM is not set), so fixed added delay is not available; a tight rate
 *       limit delays packets in its queue under load, and drops what waits longer than the bucket's
 *       latency.
 * </ul>
 *
 * Not thread-safe: the nemesis thread and, after it stopped, the run's cleanup call it.
 */
public final class NetworkFaults {

  private static final String DEVICE = "eth0";

  private final NetnsLab lab;

  public NetworkFaults(NetnsLab lab) {
    this.lab = lab;
  }

  public void cut(Cut cut) {
    for (Link link : cut.links()) {
      dropBetween(link.a(), link.b(), "-A");
      dropBetween(link.b(), link.a(), "-A");
    }
  }

  public void heal(Cut cut) {
    for (Link link : cut.links()) {
      dropBetween(link.a(), link.b(), "-D");
      dropBetween(link.b(), link.a(), "-D");
    }
  }

  private void dropBetween(int node, int peer, String action) {
    lab.exec(node, "iptables", "-w", "5", action, "INPUT", "-s", lab.host(peer), "-j", "DROP")
        .orThrow();
    lab.exec(node, "iptables", "-w", "5", action, "OUTPUT", "-d", lab.host(peer), "-j", "DROP")
        .orThrow();
  }

  /** Drops each packet to and from {@code node} with probability {@code probability}. */
  public void loss(int node, double probability) {
    lossRules(node, probability, "-A");
  }

  public void clearLoss(int node, double probability) {
    lossRules(node, probability, "-D");
  }

  private void lossRules(int node, double probability, String action) {
    String p = String.format(Locale.ROOT, "%.2f", probability);
    for (String chain : List.of("INPUT", "OUTPUT")) {
      lab.exec(
              node,
              "iptables",
              "-w",
              "5",
              action,
              chain,
              "-m",
              "statistic",
              "--mode",
              "random",
              "--probability",
              p,
              "-j",
              "DROP")
          .orThrow();
    }
  }

  /** Limits {@code node}'s egress to {@code rateKbit} with a queue of at most {@code latencyMs}. */
  public void slow(int node, int rateKbit, int latencyMs) {
    lab.exec(
            node,
            "tc",
            "qdisc",
            "replace",
            "dev",
            DEVICE,
            "root",
            "tbf",
            "rate",
            rateKbit + "kbit",
            "burst",
            "4kb",
            "latency",
            latencyMs + "ms")
        .orThrow();
  }

  public void clearSlow(int node) {
    lab.exec(node, "tc", "qdisc", "del", "dev", DEVICE, "root").orThrow();
  }

  /**
   * Removes every iptables rule and the root qdisc in every node namespace; returns what could not
   * be removed (empty when all is clean).
   */
  public List<String> clearAll() {
    List<String> problems = new ArrayList<>();
    for (int node = 1; node <= lab.nodes(); node++) {
      for (String chain : List.of("INPUT", "OUTPUT")) {
        CommandRunner.Result r = lab.exec(node, "iptables", "-w", "5", "-F", chain);
        if (!r.ok()) {
          problems.add("n" + node + " iptables -F " + chain + ": " + r.output().strip());
        }
      }
      // No root qdisc is the normal state: "del" then fails harmlessly, so only a listed tbf
      // matters.
      if (lab.exec(node, "tc", "qdisc", "show", "dev", DEVICE).output().contains("tbf")) {
        CommandRunner.Result r = lab.exec(node, "tc", "qdisc", "del", "dev", DEVICE, "root");
        if (!r.ok()) {
          problems.add("n" + node + " tc qdisc del: " + r.output().strip());
        }
      }
    }
    return problems;
  }
}

package io.cairn.tests.jepsen;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;

/**
 * Proves that a partition really cuts traffic, right after it was applied and before anything
 * measured under it is believed.
 *
 * <p>For every ordered pair of running nodes whose link is cut, a TCP connect from inside the first
 * node's namespace to the second's Raft port must fail, while a connect from the root namespace to
 * that same port succeeds: the peer is up and listening, only the link between the two is cut. And
 * where some pair of running nodes is not cut, at least one connect between such nodes must
 * succeed, so that "everything fails" (a dead network, not a partition) cannot pass as a proof.
 * Probes run in parallel, each bounded by the probe's connect timeout.
 */
public final class PartitionProof {

  /** Bounded TCP connect attempts; {@link ReachabilityProbe} makes them for real. */
  public interface Reachability {
    /** Whether a connect from inside node {@code fromNode}'s namespace to host:port succeeds. */
    boolean canConnectFromNode(int fromNode, String host, int port);

    /** Whether a connect from the root namespace (where the clients are) to host:port succeeds. */
    boolean canConnectFromRoot(String host, int port);
  }

  /** The partition did not cut what it should (or the proof could not be made). */
  public static final class NotCutException extends IllegalStateException {
    NotCutException(String message) {
      super(message);
    }
  }

  /** What was probed and seen. */
  public record Evidence(
      int cutPairsProven, int cutPairsUnverifiable, int openPairsReached, List<String> lines) {
    @Override
    public String toString() {
      return cutPairsProven
          + " connects across the cut failed while the root namespace reached the same port, "
          + openPairsReached
          + " connects over uncut links succeeded"
          + (cutPairsUnverifiable > 0
              ? ", "
                  + cutPairsUnverifiable
                  + " pairs skipped (peer not reachable from the root namespace either)"
              : "");
    }
  }

  private record Pair(int from, int to, boolean cut) {}

  private final Reachability probe;
  private final IntFunction<String> hosts;
  private final int raftPort;
  private final int nodes;

  public PartitionProof(Reachability probe, IntFunction<String> hosts, int raftPort, int nodes) {
    this.probe = probe;
    this.hosts = hosts;
    this.raftPort = raftPort;
    this.nodes = nodes;
  }

  /**
   * Probes {@code cut} among the nodes for which {@code running} holds.
   *
   * @throws NotCutException if a connect over a cut link succeeds, no cut pair could be verified,
   *     or no connect over an uncut link succeeds where one should
   */
  public Evidence verify(Cut cut, IntPredicate running) {
    List<Pair> pairs = new ArrayList<>();
    for (int from = 1; from <= nodes; from++) {
      for (int to = 1; to <= nodes; to++) {
        if (from != to && running.test(from) && running.test(to)) {
          pairs.add(new Pair(from, to, cut.cuts(from, to)));
        }
      }
    }
    // One thread per probe: a dropped SYN holds its thread for the whole connect timeout.
    ExecutorService probes = Executors.newFixedThreadPool(Math.max(1, pairs.size()));
    List<CompletableFuture<PairResult>> futures = new ArrayList<>();
    for (Pair pair : pairs) {
      futures.add(CompletableFuture.supplyAsync(() -> probe(pair), probes));
    }
    List<PairResult> results;
    try {
      results = futures.stream().map(CompletableFuture::join).toList();
    } finally {
      probes.shutdownNow();
    }
    int proven = 0;
    int unverifiable = 0;
    int openReached = 0;
    int openTried = 0;
    List<String> breaches = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    for (PairResult r : results) {
      lines.add(r.line());
      if (!r.pair().cut()) {
        openTried++;
        openReached += r.fromNode() ? 1 : 0;
      } else if (r.fromNode()) {
        breaches.add("n" + r.pair().from() + " -> n" + r.pair().to());
      } else if (r.fromRoot()) {
        proven++;
      } else {
        unverifiable++;
      }
    }
    String detail = "\n  " + String.join("\n  ", lines);
    if (!breaches.isEmpty()) {
      throw new NotCutException(
          "partition "
              + cut
              + " does not cut traffic: "
              + breaches
              + " still connect to the Raft port across the cut"
              + detail);
    }
    if (proven == 0) {
      throw new NotCutException(
          "partition "
              + cut
              + " could not be proven: no cut pair whose target answers"
              + " from the root namespace"
              + detail);
    }
    if (openTried > 0 && openReached == 0) {
      throw new NotCutException(
          "partition "
              + cut
              + " cuts more than it should: no connect over an uncut link"
              + " succeeded"
              + detail);
    }
    return new Evidence(proven, unverifiable, openReached, lines);
  }

  private record PairResult(Pair pair, boolean fromNode, boolean fromRoot, String line) {}

  private PairResult probe(Pair pair) {
    String target = hosts.apply(pair.to()) + ":" + raftPort;
    boolean fromNode = probe.canConnectFromNode(pair.from(), hosts.apply(pair.to()), raftPort);
    if (!pair.cut()) {
      return new PairResult(
          pair,
          fromNode,
          false,
          "n"
              + pair.from()
              + " -> "
              + target
              + " (not cut): "
              + (fromNode ? "connected" : "FAILED"));
    }
    boolean fromRoot = probe.canConnectFromRoot(hosts.apply(pair.to()), raftPort);
    return new PairResult(
        pair,
        fromNode,
        fromRoot,
        "n"
            + pair.from()
            + " -> "
            + target
            + " (cut): "
            + (fromNode ? "CONNECTED" : "failed")
            + "; root -> "
            + target
            + ": "
            + (fromRoot ? "connected" : "failed"));
  }
}

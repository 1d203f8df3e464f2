package io.cairn.tests.jepsen;

import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import io.cairn.tests.history.Op;
import io.cairn.tests.history.OpResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntPredicate;
import java.util.stream.Collectors;

/**
 * After the faults of an episode heal, every running node must take a write for every shard again:
 * served itself when it leads the shard, forwarded to the leader when it does not. {@link #verify}
 * writes one value to a key of each shard through each node (raw calls pinned to that node, see
 * {@link PinnedNodeSender}) and retries what failed until all succeeded or {@code window} is spent;
 * a node still refusing then is a {@link LivenessViolation} naming it, the shard and its last
 * error.
 *
 * <p>Why: a node's forwarding once broke for good after one election (every forwarded write was
 * answered UNAVAILABLE "this node is shutting down"), and the workload's routed clients, which go
 * to the leader, never noticed. The check's keys are its own ({@code fwd-check-<shard>...}),
 * outside the workload's, and its writes are not part of the checked history: this is a liveness
 * probe.
 *
 * <p>Called by one thread at a time (the nemesis, then the run after it).
 */
final class ForwardingCheck implements AutoCloseable {

  /** How long a node may go on refusing, from the start of a check. */
  static final Duration WINDOW = Duration.ofSeconds(30);

  private static final Duration RETRY_PAUSE = Duration.ofMillis(250);
  private static final int KEY_CANDIDATES_MAX = 100_000;

  private final Map<Integer, String> keyOfShard;
  private final Map<Integer, OpSender> senderOfNode;
  private final Duration window;
  private final Duration attemptMax;
  private final Duration retryPause;
  private long writes;
  private int passed;
  private long slowestMillis;

  /**
   * @param keyOfShard the key written for each shard id (see {@link #keyOf})
   * @param senderOfNode a sender pinned to each node, by node number; closed by {@link #close()}
   * @param window how long refusals are retried before the check fails
   * @param attemptMax how long one write may take
   * @param retryPause the pause between rounds of retries
   */
  ForwardingCheck(
      Map<Integer, String> keyOfShard,
      Map<Integer, ? extends OpSender> senderOfNode,
      Duration window,
      Duration attemptMax,
      Duration retryPause) {
    this.keyOfShard = new TreeMap<>(keyOfShard);
    this.senderOfNode = new TreeMap<>(senderOfNode);
    this.window = window;
    this.attemptMax = attemptMax;
    this.retryPause = retryPause;
  }

  /** The check for a lab cluster: a pinned sender per node, a key per shard of {@code map}. */
  static ForwardingCheck of(LabCluster lab, ShardMap map, Duration attemptMax) {
    Map<Integer, String> keys = new TreeMap<>();
    for (ShardInfo shard : map.getShardsList()) {
      keys.put(shard.getShardId(), keyOf(map, shard.getShardId()));
    }
    Map<Integer, OpSender> senders = new TreeMap<>();
    for (int node = 1; node <= lab.cluster().size(); node++) {
      String host = lab.lab().host(node);
      senders.put(node, lab.pinnedSender(() -> host, attemptMax));
    }
    return new ForwardingCheck(keys, senders, WINDOW, attemptMax, RETRY_PAUSE);
  }

  /** {@code fwd-check-<shard>}, or the first {@code fwd-check-<shard>-<n>} the ring puts there. */
  static String keyOf(ShardMap map, int shard) {
    String base = "fwd-check-" + shard;
    if (LabCluster.shardOf(map, base) == shard) {
      return base;
    }
    for (int n = 1; n < KEY_CANDIDATES_MAX; n++) {
      String key = base + "-" + n;
      if (LabCluster.shardOf(map, key) == shard) {
        return key;
      }
    }
    throw new IllegalStateException("no key of the form " + base + "-<n> falls in shard " + shard);
  }

  /**
   * Writes through every node {@code running} accepts, to every shard, until each pair has
   * succeeded once.
   *
   * @throws LivenessViolation if some running node still refuses after the window
   */
  void verify(IntPredicate running) {
    long start = System.nanoTime();
    long deadline = start + window.toNanos();
    Map<Probe, String> pending = new LinkedHashMap<>();
    senderOfNode.keySet().stream()
        .filter(running::test)
        .forEach(node -> keyOfShard.keySet().forEach(s -> pending.put(new Probe(node, s), "")));
    int rounds = 0;
    while (true) {
      pending.keySet().removeIf(p -> !running.test(p.node()));
      rounds++;
      Map<Probe, CompletableFuture<OpResult>> sent = new LinkedHashMap<>();
      for (Probe p : pending.keySet()) {
        sent.put(p, send(p));
      }
      for (Map.Entry<Probe, CompletableFuture<OpResult>> e : sent.entrySet()) {
        String error = await(e.getValue());
        if (error == null) {
          pending.remove(e.getKey());
        } else {
          pending.put(e.getKey(), error);
        }
      }
      if (pending.isEmpty()) {
        passed++;
        slowestMillis = Math.max(slowestMillis, (System.nanoTime() - start) / 1_000_000);
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new LivenessViolation(refusal(pending, rounds));
      }
      Pacing.pause(retryPause);
    }
  }

  /** "N passed, slowest M ms", for the run's report. */
  String summary() {
    return passed + " passed, slowest " + slowestMillis + " ms";
  }

  private CompletableFuture<OpResult> send(Probe p) {
    Op write = Op.put(keyOfShard.get(p.shard()), "fwd-n" + p.node() + "-" + ++writes);
    try {
      return senderOfNode.get(p.node()).send(write);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Null when the write succeeded, else why not. */
  private String await(CompletableFuture<OpResult> write) {
    try {
      write.get(attemptMax.toMillis() + 1_000, TimeUnit.MILLISECONDS);
      return null;
    } catch (ExecutionException e) {
      return describe(OutcomeMapping.of(e.getCause()));
    } catch (TimeoutException e) {
      write.cancel(true);
      return "no answer within " + attemptMax.toMillis() + " ms";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during the forwarding check", e);
    }
  }

  private static String describe(OpOutcome outcome) {
    if (outcome instanceof OpOutcome.Unknown unknown) {
      return unknown.reason();
    }
    if (outcome instanceof OpOutcome.NotApplied notApplied) {
      return notApplied.failure().toString();
    }
    return "applied";
  }

  private String refusal(Map<Probe, String> pending, int rounds) {
    List<Integer> nodes = pending.keySet().stream().map(Probe::node).distinct().sorted().toList();
    List<String> lines = new ArrayList<>();
    pending.forEach(
        (p, error) ->
            lines.add(
                "n"
                    + p.node()
                    + " -> shard "
                    + p.shard()
                    + " (key "
                    + keyOfShard.get(p.shard())
                    + "): last error: "
                    + error));
    return "forwarding check: "
        + nodes.stream().map(n -> "n" + n).collect(Collectors.joining(", "))
        + " still refused writes "
        + window.toSeconds()
        + " s after the faults healed ("
        + rounds
        + " attempts each); every node must serve or forward writes to every shard:\n  "
        + String.join("\n  ", lines);
  }

  @Override
  public void close() {
    senderOfNode.values().forEach(OpSender::close);
  }

  private record Probe(int node, int shard) {}
}

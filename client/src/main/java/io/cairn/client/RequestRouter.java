package io.cairn.client;

import io.cairn.proto.Consistency;
import io.grpc.Deadline;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Chooses the node each attempt goes to.
 *
 * <ul>
 *   <li>Writes and LINEARIZABLE reads: the shard's cached leader; if none is known, a replica of
 *       the shard (it forwards to the leader); without a map, a seed endpoint.
 *   <li>SESSION and EVENTUAL reads: the first attempt goes to a replica, spreading reads over all
 *       replicas; later attempts go where a LINEARIZABLE read would (the replica may be lagging or
 *       down).
 *   <li>Cluster calls: any node, moving on to the next one per attempt.
 * </ul>
 *
 * A node that could not be reached a moment ago is skipped while the shard has other replicas
 * ({@link RoutingCache#avoid}): they hold the request until the shard has a leader again.
 *
 * <p>Thread-safe.
 */
final class RequestRouter {
  private final RoutingCache cache;
  private final List<Endpoint> seeds;
  private final AtomicInteger spread;

  RequestRouter(RoutingCache cache, List<Endpoint> seeds, int spreadStart) {
    this.cache = cache;
    this.seeds = List.copyOf(seeds);
    this.spread = new AtomicInteger(spreadStart);
  }

  /**
   * The view to route by: the cached one, or the first fetch, waited for until {@code deadline};
   * null when there is none in time (the attempt then goes to a seed, which forwards).
   */
  CompletableFuture<RoutingView> view(Deadline deadline) {
    RoutingView v = cache.view();
    if (v != null) {
      return CompletableFuture.completedFuture(v);
    }
    return cache
        .refresh()
        .handle((fresh, error) -> error == null ? fresh : null)
        .completeOnTimeout(
            null,
            Math.max(0, deadline.timeRemaining(TimeUnit.MILLISECONDS)),
            TimeUnit.MILLISECONDS);
  }

  /** The shard of {@code key} in {@code view}, -1 when unknown. */
  static int shardOf(RoutingView view, byte[] key) {
    return view == null ? -1 : view.shardFor(key);
  }

  Target toLeader(RoutingView view, byte[] key) {
    return toShardLeader(view, shardOf(view, key));
  }

  /** The shard's cached leader, else a replica of it, else (no map, no such shard) any node. */
  Target toShardLeader(RoutingView view, int shard) {
    if (shard < 0 || view == null) {
      return anyNode(view);
    }
    Optional<String> leader = view.leaderOf(shard).filter(l -> !cache.avoid(l));
    if (leader.isPresent()) {
      Optional<Endpoint> ep = view.endpointOf(leader.get());
      if (ep.isPresent()) {
        return new Target(ep.get(), shard, leader.get(), true);
      }
    }
    return toReplica(view, shard);
  }

  Target forRead(RoutingView view, byte[] key, Consistency consistency, int attempt) {
    int shard = shardOf(view, key);
    if (consistency == Consistency.LINEARIZABLE || attempt > 0 || shard < 0) {
      return toLeader(view, key);
    }
    return toReplica(view, shard);
  }

  Target anyNode(RoutingView view) {
    List<Endpoint> nodes =
        view == null || view.nodeEndpoints().isEmpty() ? seeds : view.nodeEndpoints();
    return Target.anyNode(nodes.get(Math.floorMod(spread.getAndIncrement(), nodes.size())));
  }

  /** Node {@code nodeId}, if the map names it. */
  Optional<Target> toNode(RoutingView view, String nodeId) {
    return Optional.ofNullable(view)
        .flatMap(v -> v.endpointOf(nodeId))
        .map(ep -> new Target(ep, -1, nodeId, false));
  }

  /** A replica of the shard, in turn, skipping those that could not be reached just now. */
  private Target toReplica(RoutingView view, int shard) {
    List<String> replicas = view.replicasOf(shard);
    List<String> reachable = replicas.stream().filter(r -> !cache.avoid(r)).toList();
    if (!reachable.isEmpty()) {
      replicas = reachable;
    }
    if (replicas.isEmpty()) {
      return anyNode(view);
    }
    String node = replicas.get(Math.floorMod(spread.getAndIncrement(), replicas.size()));
    Optional<Endpoint> ep = view.endpointOf(node);
    if (ep.isEmpty()) {
      return anyNode(view);
    }
    boolean isLeader = view.leaderOf(shard).filter(node::equals).isPresent();
    return new Target(ep.get(), shard, node, isLeader);
  }
}

package io.cairn.client;

import io.cairn.proto.ErrorDetail;
import io.cairn.proto.Routing;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * The client's cached {@link Routing} (shard map + leader per shard) and the rules for keeping it
 * fresh.
 *
 * <p>Refreshes: the first operation fetches it; afterwards it is refreshed when an attempt fails
 * with UNAVAILABLE or DEADLINE_EXCEEDED, when an error names a newer map epoch than ours, or when a
 * leader hint names a node our map does not know. Those triggered refreshes are single-flight
 * (callers share the one in flight) and rate-limited to one per {@code refreshIntervalNanosMin}. A
 * refresh asks the known nodes and the seed endpoints in turn, starting at a rotating position,
 * until one answers. A fetched map never replaces one with a newer epoch.
 *
 * <p>Leader hints (the {@code cairn-leader} header, {@link ErrorDetail#getLeaderHint()}) update the
 * cached leader directly; a leader that stopped answering is forgotten, so the next attempt goes to
 * another replica (which forwards) until the refresh learns the new leader.
 *
 * <p>Thread-safe: the view is an immutable {@link RoutingView} swapped atomically; refresh
 * bookkeeping is guarded by {@code lock}.
 */
final class RoutingCache implements RoutingFeedback {
  /** How long attempts avoid a node that could not be reached ({@link #avoid}). */
  static final long UNREACHABLE_AVOID_MS = 1_000;

  /**
   * How long routing fetches ask a node that left an attempt unanswered last ({@link #suspect}).
   */
  static final long SUSPECT_MS = 1_000;

  /** Fetches the routing from one node. */
  @FunctionalInterface
  interface RoutingSource {
    CompletableFuture<Routing> fetch(Endpoint endpoint);
  }

  private final List<Endpoint> seeds;
  private final RoutingSource source;
  private final LongSupplier nanoTime;
  private final long refreshIntervalNanosMin;
  private final AtomicReference<RoutingView> view = new AtomicReference<>();
  // Node id to the time (nanoTime) until which attempts go elsewhere: it could not be reached.
  private final Map<String, Long> unreachableUntil = new ConcurrentHashMap<>();
  // Node id to the time (nanoTime) until which refreshes ask it last: it is not answering.
  private final Map<String, Long> suspectUntil = new ConcurrentHashMap<>();

  private final Object lock = new Object();
  // Guarded by lock.
  private CompletableFuture<RoutingView> inFlight;
  private boolean everStarted;
  private long lastStartNanos;
  private int rotation;
  private long fetchesStarted;

  RoutingCache(
      List<Endpoint> seeds,
      RoutingSource source,
      LongSupplier nanoTime,
      long refreshIntervalMsMin) {
    if (seeds.isEmpty()) {
      throw new IllegalArgumentException("routing needs at least one seed endpoint");
    }
    this.seeds = List.copyOf(seeds);
    this.source = source;
    this.nanoTime = nanoTime;
    this.refreshIntervalNanosMin = TimeUnit.MILLISECONDS.toNanos(refreshIntervalMsMin);
  }

  /**
   * Whether attempts should avoid {@code nodeId} for now: it was not reached within the last {@link
   * #UNREACHABLE_AVOID_MS}, and has not answered since. A dead leader stays named as leader by its
   * followers until they elect another (and so by a refreshed routing); without this, the client
   * would keep going back to it.
   */
  boolean avoid(String nodeId) {
    Long until = nodeId == null ? null : unreachableUntil.get(nodeId);
    if (until == null) {
      return false;
    }
    if (nanoTime.getAsLong() - until >= 0) {
      unreachableUntil.remove(nodeId, until);
      return false;
    }
    return true;
  }

  /** The current view, or null if no routing has been fetched yet. */
  RoutingView view() {
    return view.get();
  }

  /** Fetches the routing now (joining a refresh already in flight); not rate-limited. */
  CompletableFuture<RoutingView> refresh() {
    List<Endpoint> order;
    CompletableFuture<RoutingView> result;
    synchronized (lock) {
      if (inFlight != null) {
        return inFlight;
      }
      order = beginLocked();
      result = inFlight;
    }
    tryFrom(order, 0, result, null);
    return result;
  }

  /** Refreshes in the background unless one is in flight or the last started too recently. */
  void refreshSoon() {
    List<Endpoint> order;
    CompletableFuture<RoutingView> result;
    synchronized (lock) {
      if (inFlight != null
          || (everStarted && nanoTime.getAsLong() - lastStartNanos < refreshIntervalNanosMin)) {
        return;
      }
      order = beginLocked();
      result = inFlight;
    }
    tryFrom(order, 0, result, null);
  }

  /**
   * {@code nodeId} has left an attempt unanswered for longer than it should (it may be paused):
   * refresh soon, asking the other nodes first, since a paused node would not answer the refresh
   * either.
   */
  void suspect(String nodeId) {
    if (nodeId != null) {
      suspectUntil.put(nodeId, nanoTime.getAsLong() + TimeUnit.MILLISECONDS.toNanos(SUSPECT_MS));
    }
    refreshSoon();
  }

  /** How many refreshes were started (for tests and diagnostics). */
  long refreshesStarted() {
    synchronized (lock) {
      return fetchesStarted;
    }
  }

  /** {@code nodeId} leads {@code shardId}, as a node told us. */
  void noteLeader(int shardId, String nodeId) {
    if (shardId < 0 || nodeId == null || nodeId.isEmpty()) {
      return;
    }
    RoutingView current = view.get();
    if (current == null) {
      return;
    }
    if (!current.knowsNode(nodeId)) {
      refreshSoon(); // a node our map has not heard of: the map is behind
      return;
    }
    view.updateAndGet(v -> v == null || !v.knowsNode(nodeId) ? v : v.withLeader(shardId, nodeId));
  }

  /** A server mentioned map {@code epoch}; refresh if ours is older. */
  void noteEpoch(long epoch) {
    RoutingView current = view.get();
    if (current == null || epoch > current.epoch()) {
      refreshSoon();
    }
  }

  @Override
  public void answered(Target target, String leaderHint) {
    if (target.nodeId() != null) {
      unreachableUntil.remove(target.nodeId());
      suspectUntil.remove(target.nodeId());
    }
    noteLeader(target.shardId(), leaderHint);
  }

  @Override
  public void failed(Target target, String leaderHint, CairnException error) {
    ErrorDetail detail = error.detail().orElse(null);
    if (detail != null && detail.getMapEpoch() > 0) {
      noteEpoch(detail.getMapEpoch());
    }
    String hint =
        leaderHint != null
            ? leaderHint
            : detail != null && !detail.getLeaderHint().isEmpty() ? detail.getLeaderHint() : null;
    Status.Code code = error.code();
    if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED) {
      if (detail == null && target.nodeId() != null) {
        // No answer from the node at all (a node that answers says why, in the detail).
        unreachableUntil.put(
            target.nodeId(),
            nanoTime.getAsLong() + TimeUnit.MILLISECONDS.toNanos(UNREACHABLE_AVOID_MS));
      }
      if (target.toLeader() && target.shardId() >= 0 && !target.nodeId().equals(hint)) {
        // The node we took for the leader did not serve; send the next attempt elsewhere.
        view.updateAndGet(v -> v == null ? null : forget(v, target.shardId(), target.nodeId()));
      }
      noteLeader(target.shardId(), hint);
      refreshSoon();
    } else {
      noteLeader(target.shardId(), hint);
    }
  }

  private static RoutingView forget(RoutingView v, int shardId, String nodeId) {
    return v.leaderOf(shardId).filter(nodeId::equals).isPresent() ? v.withoutLeader(shardId) : v;
  }

  /** Marks a refresh as started and returns the endpoints to ask, in order. */
  private List<Endpoint> beginLocked() {
    everStarted = true;
    lastStartNanos = nanoTime.getAsLong();
    fetchesStarted++;
    inFlight = new CompletableFuture<>();
    return candidatesLocked();
  }

  /**
   * Known nodes first (the map may have grown past the seeds), then the seeds; rotated per refresh;
   * suspected nodes moved to the end.
   */
  private List<Endpoint> candidatesLocked() {
    Set<Endpoint> all = new LinkedHashSet<>();
    RoutingView current = view.get();
    if (current != null) {
      all.addAll(current.nodeEndpoints());
    }
    all.addAll(seeds);
    List<Endpoint> list = new ArrayList<>(all);
    int start = Math.floorMod(rotation++, list.size());
    List<Endpoint> rotated = new ArrayList<>(list.subList(start, list.size()));
    rotated.addAll(list.subList(0, start));
    Set<Endpoint> suspects = suspectEndpoints(current);
    if (!suspects.isEmpty()) {
      List<Endpoint> last = rotated.stream().filter(suspects::contains).toList();
      rotated.removeAll(last);
      rotated.addAll(last);
    }
    return rotated;
  }

  private Set<Endpoint> suspectEndpoints(RoutingView current) {
    if (suspectUntil.isEmpty() || current == null) {
      return Set.of();
    }
    long now = nanoTime.getAsLong();
    suspectUntil.values().removeIf(until -> now - until >= 0);
    Set<Endpoint> endpoints = new HashSet<>();
    for (String id : suspectUntil.keySet()) {
      current.endpointOf(id).ifPresent(endpoints::add);
    }
    return endpoints;
  }

  private void tryFrom(
      List<Endpoint> order, int i, CompletableFuture<RoutingView> result, CairnException last) {
    if (i == order.size()) {
      finish(
          result,
          null,
          ErrorMapping.of(
              "routing",
              Status.Code.UNAVAILABLE,
              "none of "
                  + order
                  + " answered with the routing; last error: "
                  + (last == null ? "none" : last.getMessage()),
              null,
              last));
      return;
    }
    CompletableFuture<Routing> fetched;
    try {
      fetched = source.fetch(order.get(i));
    } catch (RuntimeException e) {
      fetched = CompletableFuture.failedFuture(e);
    }
    fetched.whenComplete(
        (routing, error) -> {
          if (error != null) {
            tryFrom(order, i + 1, result, ErrorMapping.fromThrowable("routing", error));
            return;
          }
          RoutingView fresh;
          try {
            fresh = RoutingView.of(routing);
          } catch (RuntimeException malformed) {
            tryFrom(
                order,
                i + 1,
                result,
                ErrorMapping.of(
                    "routing",
                    Status.Code.INTERNAL,
                    order.get(i) + " sent an unusable shard map: " + malformed.getMessage(),
                    null,
                    malformed));
            return;
          }
          finish(result, install(fresh), null);
        });
  }

  private RoutingView install(RoutingView fresh) {
    return view.updateAndGet(cur -> cur == null || fresh.epoch() >= cur.epoch() ? fresh : cur);
  }

  private void finish(
      CompletableFuture<RoutingView> result, RoutingView value, CairnException error) {
    synchronized (lock) {
      if (inFlight == result) {
        inFlight = null;
      }
    }
    if (error != null) {
      result.completeExceptionally(error);
    } else {
      result.complete(value);
    }
  }
}

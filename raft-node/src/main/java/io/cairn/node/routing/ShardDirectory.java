package io.cairn.node.routing;

import io.cairn.node.replica.RaftHost;
import io.cairn.proto.KeyRing;
import io.cairn.proto.NodeInfo;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.ratis.protocol.RaftGroupId;

/**
 * The shard map this node routes by, and the ring built from it. Replaced as a whole when the meta
 * group publishes a newer epoch; readers always see one consistent (map, ring) pair.
 */
public final class ShardDirectory {
  /** One immutable view: a map and everything derived from it. */
  public record View(
      ShardMap map, KeyRing ring, Map<Integer, ShardInfo> shards, Map<String, NodeInfo> nodes) {
    static View of(ShardMap map) {
      return new View(
          map,
          KeyRing.of(map),
          map.getShardsList().stream()
              .collect(Collectors.toUnmodifiableMap(ShardInfo::getShardId, s -> s)),
          map.getNodesList().stream()
              .collect(Collectors.toUnmodifiableMap(NodeInfo::getId, n -> n)));
    }
  }

  /** Where a key goes. */
  public record Route(int shardId, RaftGroupId groupId, ShardInfo shard, long epoch) {}

  private volatile View view;
  private final CopyOnWriteArrayList<Consumer<ShardMap>> listeners = new CopyOnWriteArrayList<>();
  // Callers waiting for a map newer than an epoch; each removes itself when done.
  private final Set<Waiter> waiters = ConcurrentHashMap.newKeySet();

  private record Waiter(long epoch, CompletableFuture<ShardMap> done) {}

  public ShardDirectory(ShardMap initial) {
    this.view = View.of(initial);
  }

  public View view() {
    return view;
  }

  public ShardMap map() {
    return view.map();
  }

  public Route route(byte[] key) {
    View v = view;
    int shard = v.ring().shardFor(key);
    ShardInfo info = v.shards().get(shard);
    return new Route(shard, RaftHost.groupIdOf(info), info, v.map().getEpoch());
  }

  public Optional<NodeInfo> node(String id) {
    return Optional.ofNullable(view.nodes().get(id));
  }

  /**
   * Installs the meta group's map unless the one in use is newer. An equal epoch with other
   * contents also wins: the meta group is the authority, the locally computed map a guess.
   */
  public synchronized void adopt(ShardMap map) {
    ShardMap current = view.map();
    if (map.getEpoch() > current.getEpoch()
        || (map.getEpoch() == current.getEpoch() && !map.equals(current))) {
      view = View.of(map);
      listeners.forEach(l -> l.accept(map));
      for (Waiter w : waiters) {
        if (map.getEpoch() > w.epoch()) {
          w.done().complete(map);
        }
      }
    }
  }

  /**
   * Completes with the map in use once its epoch is above {@code epoch}: at once if it is already.
   * Never fails by itself; the caller bounds the wait (and the waiter goes when it completes, by
   * either way).
   */
  public CompletableFuture<ShardMap> newerThan(long epoch) {
    CompletableFuture<ShardMap> done = new CompletableFuture<>();
    Waiter w = new Waiter(epoch, done);
    waiters.add(w);
    done.whenComplete((m, e) -> waiters.remove(w));
    ShardMap now = view.map();
    if (now.getEpoch() > epoch) {
      done.complete(now);
    }
    return done;
  }

  public void onChange(Consumer<ShardMap> listener) {
    listeners.add(listener);
  }
}

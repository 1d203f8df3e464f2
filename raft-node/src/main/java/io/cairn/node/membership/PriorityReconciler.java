package io.cairn.node.membership;

import io.cairn.node.replica.RaftHost;
import io.cairn.node.routing.ShardDirectory;
import io.cairn.node.runtime.Scheduler;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the Raft priorities of every group this node leads equal to the shard map's order: the
 * first replica 1, the others 0. The map says where leaders should be ({@link LeaderTransfers}, the
 * initial placement); Ratis moves leadership to the highest-priority voter once it has caught up.
 * Runs when the map changes and every {@code periodMs}, so a leader elected after the change (or
 * one whose change was refused because another was in progress) catches up with it.
 *
 * <p>It acts only on the meta group's current map, never on this node's copy alone: a leader
 * elected just after a transfer may not have polled the new map yet, and resetting the priorities
 * from the old one would send leadership back and forth. So a difference seen in the local copy is
 * checked against a fresh read of the map first, and nothing runs before the node's map has been
 * confirmed by the meta group at all (until then it is a guess computed from the config).
 */
public final class PriorityReconciler implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(PriorityReconciler.class);

  private final RaftHost host;
  private final ShardDirectory directory;
  private final BooleanSupplier mapConfirmed;
  private final Supplier<CompletableFuture<ShardMap>> freshMap;
  private final AtomicBoolean running = new AtomicBoolean();
  private final Scheduler.Cancellable timer;

  /**
   * @param mapConfirmed whether the meta group has confirmed a map to this node
   * @param freshMap a linearizable read of the meta group's map
   */
  public PriorityReconciler(
      RaftHost host,
      ShardDirectory directory,
      Scheduler scheduler,
      long periodMs,
      BooleanSupplier mapConfirmed,
      Supplier<CompletableFuture<ShardMap>> freshMap) {
    this.host = host;
    this.directory = directory;
    this.mapConfirmed = mapConfirmed;
    this.freshMap = freshMap;
    // Not on the thread that adopts the map (the meta group's apply thread): this calls into Ratis.
    directory.onChange(map -> scheduler.schedule(this::reconcile, 0));
    this.timer = scheduler.repeat("raft-priorities", this::reconcile, periodMs, periodMs);
  }

  /** Raft priority of each replica of {@code shard}: the first 1, the rest 0. */
  static Map<String, Integer> prioritiesOf(ShardInfo shard) {
    Map<String, Integer> wanted = new HashMap<>();
    List<String> replicas = shard.getReplicasList();
    for (int i = 0; i < replicas.size(); i++) {
      wanted.put(replicas.get(i), i == 0 ? 1 : 0);
    }
    return wanted;
  }

  private static List<ShardInfo> groupsOf(ShardMap map) {
    List<ShardInfo> groups = new ArrayList<>(map.getShardsList());
    groups.add(map.getMeta());
    return groups;
  }

  void reconcile() {
    if (!mapConfirmed.getAsBoolean()) {
      return;
    }
    boolean differs =
        groupsOf(directory.map()).stream()
            .anyMatch(s -> host.leadsWithOtherPriorities(RaftHost.groupIdOf(s), prioritiesOf(s)));
    if (!differs || !running.compareAndSet(false, true)) {
      return;
    }
    CompletableFuture<Void> done;
    try {
      done = freshMap.get().thenCompose(this::applyAll);
    } catch (RuntimeException e) {
      done = CompletableFuture.failedFuture(e);
    }
    done.whenComplete(
        (v, e) -> {
          running.set(false);
          if (e != null) {
            LOG.info("Raft priorities not reconciled yet (retried): {}", e.toString());
          }
        });
  }

  private CompletableFuture<Void> applyAll(ShardMap map) {
    List<CompletableFuture<Boolean>> all = new ArrayList<>();
    for (ShardInfo shard : groupsOf(map)) {
      String what = shard.getShardId() == 0 ? "meta group" : "shard " + shard.getShardId();
      all.add(
          host.applyPriorities(RaftHost.groupIdOf(shard), prioritiesOf(shard))
              .whenComplete(
                  (changed, error) -> {
                    if (Boolean.TRUE.equals(changed)) {
                      LOG.info(
                          "{}: Raft priorities set from map epoch {}: {} preferred as leader",
                          what,
                          map.getEpoch(),
                          shard.getReplicas(0));
                    }
                  }));
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
  }

  @Override
  public void close() {
    timer.cancel();
  }
}

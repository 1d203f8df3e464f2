package io.cairn.node.membership;

import io.cairn.node.config.NodeConfig;
import io.cairn.node.replica.RaftHost;
import io.cairn.node.routing.MapChanges;
import io.cairn.node.routing.PeerChannels;
import io.cairn.node.routing.ShardDirectory;
import io.cairn.node.runtime.NodeClock;
import io.cairn.node.runtime.Scheduler;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import io.cairn.statemachine.MembershipEdits;
import io.cairn.statemachine.RebalancePlan;
import io.cairn.statemachine.ShardMaps;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps placement right without an operator, like PD's scheduler: on the meta group's leader only,
 * every tick it polls the nodes' liveness and proposes the next step of {@link RebalancePlan} (new
 * nodes filled, draining, removed and long-dead nodes emptied, leaders evened out), at most {@code
 * membership.moves-max} moves at a time. Each step is one map change, made on the meta group's
 * current map (a step planned on an older map is planned again on the one that won), so any number
 * of nodes may run it at once: only the meta leader's changes are taken.
 */
public final class Rebalancer implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(Rebalancer.class);

  private final RaftHost host;
  private final ShardDirectory directory;
  private final MapChanges mapChanges;
  private final NodeConfig.Membership settings;
  private final BooleanSupplier mapConfirmed;
  private final NodeLiveness liveness;
  private final AtomicBoolean changing = new AtomicBoolean();
  private final Scheduler.Cancellable timer;
  private boolean leading;

  public Rebalancer(
      RaftHost host,
      ShardDirectory directory,
      MapChanges mapChanges,
      PeerChannels peers,
      NodeClock clock,
      Scheduler scheduler,
      NodeConfig.Membership settings,
      long callTimeoutMs,
      BooleanSupplier mapConfirmed) {
    this.host = host;
    this.directory = directory;
    this.mapChanges = mapChanges;
    this.settings = settings;
    this.mapConfirmed = mapConfirmed;
    this.liveness = new NodeLiveness(peers, clock, host.nodeId(), callTimeoutMs);
    this.timer = scheduler.repeat("rebalancer", this::tick, settings.tickMs(), settings.tickMs());
  }

  synchronized void tick() {
    boolean leadsMeta = mapConfirmed.getAsBoolean() && host.isReadyLeader(host.metaGroupId());
    if (!leadsMeta) {
      if (leading) {
        liveness.reset();
      }
      leading = false;
      return;
    }
    leading = true;
    ShardMap map = directory.map();
    liveness.poll(map);
    if (!settings.rebalance() || changing.get()) {
      return;
    }
    Map<String, RebalancePlan.Liveness> seen = liveness.snapshot(settings.downNodeTimeoutMs());
    if (RebalancePlan.next(map, seen, settings.movesMax()).equals(map)) {
      return;
    }
    changing.set(true);
    mapChanges
        .change("rebalance", m -> RebalancePlan.next(m, seen, settings.movesMax()), () -> true)
        .whenComplete(
            (after, e) -> {
              changing.set(false);
              if (e != null) {
                LOG.info("rebalancer: step not taken (retried): {}", e.toString());
              } else if (after.getEpoch() != map.getEpoch()) {
                LOG.info(
                    "rebalancer: map epoch {}: {} (nodes not answering: {})",
                    after.getEpoch(),
                    String.join("; ", changes(map, after)),
                    seen.isEmpty() ? "none" : seen);
              }
            });
  }

  /** What a step changed, for the log. */
  static List<String> changes(ShardMap before, ShardMap after) {
    List<String> out = new ArrayList<>();
    for (ShardInfo g : ShardMaps.groups(after)) {
      ShardInfo old;
      try {
        old = ShardMaps.group(before, g.getShardId());
      } catch (IllegalArgumentException e) {
        continue;
      }
      String what = ShardMaps.describe(g.getShardId());
      if (ShardMaps.moving(g) && !g.getMove().equals(old.getMove())) {
        out.add(what + " moving " + MembershipEdits.describe(g.getMove()));
      } else if (ShardMaps.moving(old) && !ShardMaps.moving(g)) {
        out.add(what + " move " + MembershipEdits.describe(old.getMove()) + " cancelled or done");
      }
      if (!g.getReplicasList().isEmpty()
          && !old.getReplicasList().isEmpty()
          && !g.getReplicas(0).equals(old.getReplicas(0))) {
        out.add(what + " preferred leader " + old.getReplicas(0) + " -> " + g.getReplicas(0));
      }
    }
    return out.isEmpty() ? List.of("no visible change") : out;
  }

  /**
   * The nodes this node's polls find down, with the wall-clock time each stopped answering; empty
   * unless this node leads the meta group (only its leader polls).
   */
  public synchronized Map<String, Long> nodesDownSince() {
    // A poll answered after this node stopped leading may still record a failure: not reported.
    return leading ? liveness.downSinceWallMs() : Map.of();
  }

  @Override
  public void close() {
    timer.cancel();
  }
}

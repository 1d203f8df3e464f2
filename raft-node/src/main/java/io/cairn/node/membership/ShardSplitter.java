package io.cairn.node.membership;

import com.google.protobuf.ByteString;
import io.cairn.node.config.NodeConfig;
import io.cairn.node.replica.RaftHost;
import io.cairn.node.routing.MapChanges;
import io.cairn.node.routing.PeerChannels;
import io.cairn.node.routing.ShardDirectory;
import io.cairn.node.runtime.DaemonThreads;
import io.cairn.node.runtime.Scheduler;
import io.cairn.proto.ErrorDetail;
import io.cairn.proto.KeyRing;
import io.cairn.proto.NodeState;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import io.cairn.proto.WireHeaders;
import io.cairn.proto.internal.Activate;
import io.cairn.proto.internal.ApplySplitStepRequest;
import io.cairn.proto.internal.DropMoved;
import io.cairn.proto.internal.ExportMovedKeysRequest;
import io.cairn.proto.internal.ExportMovedKeysResponse;
import io.cairn.proto.internal.ExportSessions;
import io.cairn.proto.internal.Ingest;
import io.cairn.proto.internal.KeyOwnership;
import io.cairn.proto.internal.PeerGrpc;
import io.cairn.proto.internal.SnapshotSession;
import io.cairn.proto.internal.SplitStep;
import io.cairn.proto.internal.SplitStepResult;
import io.cairn.statemachine.MembershipEdits;
import io.cairn.statemachine.ShardGrowth;
import io.cairn.statemachine.ShardMaps;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills a shard being added and makes it serve (docs/shard-split.md): on the meta group's leader
 * only, once the rebalancer has grown the new group to the replication factor. One run takes every
 * step in order, each a peer call to the shard that takes it:
 *
 * <ol>
 *   <li>{@code begin_fill} on the new shard (it refuses clients from then on);
 *   <li>{@code fence} on every serving shard: from that entry on each refuses the keys the ring
 *       with the new shard gives away, and its answer names the fence's index;
 *   <li>the keys each fenced shard gave away, page by page ({@code ExportMovedKeys}), and its
 *       client sessions ({@code export_sessions}), ingested into the new shard;
 *   <li>{@code activate} on the new shard, with a version base above every fence index plus base;
 *   <li>a map epoch with the shard serving: clients and nodes route its keys to it;
 *   <li>{@code drop_moved} on every fenced shard, page by page (retried at the next ticks while
 *       this node leads the meta group).
 * </ol>
 *
 * When no shard is filling, it also adds one by itself once the active nodes number more than
 * {@code membership.nodes-per-shard} per shard ({@link ShardGrowth}).
 *
 * <p>Every step is idempotent and the map is the only record of progress, so a run that fails at
 * any point (a leader change, a timeout, this node losing the meta leadership) is simply run again
 * from the start on the next tick, by whichever node then leads the meta group. The keys that move
 * are unavailable from their shard's fence until the map says the new shard serves.
 */
public final class ShardSplitter implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(ShardSplitter.class);

  /** Keys one export page looks at. */
  static final int EXPORT_PAGE_KEYS = 2_048;

  /** Sessions one export page holds. */
  static final int EXPORT_PAGE_SESSIONS = 500;

  /** Keys one drop step looks at. */
  static final int DROP_PAGE_KEYS = 4_096;

  /** Most pages one walk takes before the run gives up (a bound on every loop). */
  private static final int PAGES_MAX = 10_000_000;

  private final RaftHost host;
  private final ShardDirectory directory;
  private final MapChanges mapChanges;
  private final PeerChannels peers;
  private final long callTimeoutMs;
  private final BooleanSupplier mapConfirmed;
  private final AtomicBoolean running = new AtomicBoolean();
  private final AtomicBoolean growing = new AtomicBoolean();
  private final int nodesPerShard;
  // Shards that gave keys away and have not dropped them all yet: retried while this node leads
  // the meta group (a new leader does not know of them; the next split's drop removes leftovers).
  // By shard id, the index of the fence whose moved keys it is to drop.
  private final Map<Integer, Long> dropsPending = new ConcurrentHashMap<>();
  private final ExecutorService worker =
      Executors.newSingleThreadExecutor(DaemonThreads.named("shard-splitter"));
  private final Scheduler.Cancellable timer;

  public ShardSplitter(
      RaftHost host,
      ShardDirectory directory,
      MapChanges mapChanges,
      PeerChannels peers,
      Scheduler scheduler,
      NodeConfig.Membership settings,
      long callTimeoutMs,
      BooleanSupplier mapConfirmed) {
    this.host = host;
    this.directory = directory;
    this.mapChanges = mapChanges;
    this.peers = peers;
    this.callTimeoutMs = callTimeoutMs;
    this.mapConfirmed = mapConfirmed;
    // Growth needs the rebalancer: it gives the new group its voters.
    this.nodesPerShard = settings.rebalance() ? settings.nodesPerShard() : 0;
    this.timer =
        scheduler.repeat("shard-splitter", this::tick, settings.tickMs(), settings.tickMs());
  }

  void tick() {
    if (!leadsMeta()) {
      return;
    }
    ShardMap map = directory.map();
    Optional<ShardInfo> filling = fillingShard(map);
    boolean fill = filling.isPresent() && readyToFill(map, filling.get());
    if (!fill && dropsPending.isEmpty()) {
      growIfWanted(map);
      return;
    }
    if (!running.compareAndSet(false, true)) {
      return;
    }
    try {
      worker.execute(
          () -> {
            try {
              if (fill) {
                run(map, filling.get());
              } else {
                dropPending(map);
              }
            } catch (RuntimeException e) {
              LOG.info(
                  "{}: stopped, taken again at the next tick: {}",
                  filling.map(f -> "adding " + ShardMaps.describe(f.getShardId())).orElse("drops"),
                  e.toString());
            } finally {
              running.set(false);
            }
          });
    } catch (RejectedExecutionException e) {
      running.set(false);
    }
  }

  /** Adds a shard when the cluster has grown enough for one more ({@link ShardGrowth}). */
  private void growIfWanted(ShardMap map) {
    if (!ShardGrowth.wantsAnother(map, nodesPerShard) || !growing.compareAndSet(false, true)) {
      return;
    }
    mapChanges
        .change(
            "shard add (the cluster grew)",
            m -> ShardGrowth.wantsAnother(m, nodesPerShard) ? MembershipEdits.addShard(m) : m,
            this::leadsMeta)
        .whenComplete(
            (after, e) -> {
              growing.set(false);
              if (e != null) {
                LOG.info("shard add (the cluster grew): not made (retried): {}", e.toString());
              } else if (after.getEpoch() != map.getEpoch()) {
                fillingShard(after)
                    .ifPresent(
                        s ->
                            LOG.info(
                                "{} active nodes for {} shards: added {} (map epoch {})",
                                after.getNodesList().stream()
                                    .filter(n -> n.getState() == NodeState.NODE_ACTIVE)
                                    .count(),
                                map.getShardsCount(),
                                ShardMaps.describe(s.getShardId()),
                                after.getEpoch()));
              }
            });
  }

  private void dropPending(ShardMap map) {
    for (ShardInfo s : map.getShardsList()) {
      Long fenceIndex = dropsPending.get(s.getShardId());
      if (fenceIndex != null) {
        dropMoved(s, fenceIndex);
        dropsPending.remove(s.getShardId());
      }
    }
  }

  private boolean leadsMeta() {
    return mapConfirmed.getAsBoolean() && host.isReadyLeader(host.metaGroupId());
  }

  static Optional<ShardInfo> fillingShard(ShardMap map) {
    return map.getShardsList().stream().filter(ShardInfo::getFilling).findFirst();
  }

  /** The new group has its full set of voters: its keys then land on every replica at once. */
  static boolean readyToFill(ShardMap map, ShardInfo shard) {
    // A move in progress keeps every voter until its new one is caught up: not a reason to wait.
    return shard.getReplicasCount() >= Math.max(1, map.getReplicationFactor());
  }

  /** The ownership of {@code shardId} by the ring of the serving shards plus the new one. */
  static KeyOwnership ownership(ShardMap map, int newShard, int shardId) {
    List<Integer> ring = new ArrayList<>(KeyRing.servingShardIds(map));
    ring.add(newShard);
    ring.sort(Integer::compare);
    return KeyOwnership.newBuilder()
        .setShardId(shardId)
        .addAllRingShardIds(ring)
        .setVirtualNodesPerShard(map.getVirtualNodesPerShard())
        .build();
  }

  private void run(ShardMap map, ShardInfo added) {
    int id = added.getShardId();
    String what = ShardMaps.describe(id);
    List<ShardInfo> sources = map.getShardsList().stream().filter(s -> !s.getFilling()).toList();
    long t0 = System.nanoTime();

    SplitStepResult begun =
        step(added, SplitStep.newBuilder().setBeginFill(ownership(map, id, id)).build());
    long base = 0;
    long keys = 0;
    Map<Integer, Long> fences = new HashMap<>();
    if (!begun.getDone().getServing()) {
      for (ShardInfo source : sources) {
        SplitStepResult fenced =
            step(
                source,
                SplitStep.newBuilder().setFence(ownership(map, id, source.getShardId())).build());
        fences.put(source.getShardId(), fenced.getDone().getFenceIndex());
        base = Math.max(base, fenced.getDone().getFenceIndex() + fenced.getDone().getVersionBase());
      }
      LOG.info("adding {}: {} shards fenced; copying its keys", what, fences.size());
      for (ShardInfo source : sources) {
        keys += copyKeys(source, added);
        copySessions(source, added);
      }
    }
    step(
        added,
        SplitStep.newBuilder().setActivate(Activate.newBuilder().setVersionBase(base)).build());
    if (!leadsMeta()) {
      throw new IllegalStateException("this node no longer leads the meta group");
    }
    ShardMap after =
        mapChanges
            .change("shard add", m -> MembershipEdits.markServing(m, id), this::leadsMeta)
            .join();
    LOG.info(
        "adding {}: serving from map epoch {}, {} keys copied in {} ms; dropping them from the"
            + " other shards",
        what,
        after.getEpoch(),
        keys,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    // After a run that found the shard serving already, the fence indexes are unknown here: the
    // moved keys stay (never served) until the next split's drop.
    dropsPending.putAll(fences);
    dropPending(after);
  }

  private long copyKeys(ShardInfo source, ShardInfo added) {
    ByteString after = ByteString.EMPTY;
    long copied = 0;
    for (int page = 0; page < PAGES_MAX; page++) {
      ExportMovedKeysRequest req =
          ExportMovedKeysRequest.newBuilder()
              .setShardId(source.getShardId())
              .setToShardId(added.getShardId())
              .setAfterKey(after)
              .setMaxKeys(EXPORT_PAGE_KEYS)
              .build();
      ExportMovedKeysResponse got =
          onReplicas(source, stub -> stub.exportMovedKeys(req), Status.Code.FAILED_PRECONDITION);
      if (got.getEntriesCount() > 0) {
        step(
            added,
            SplitStep.newBuilder()
                .setIngest(Ingest.newBuilder().addAllEntries(got.getEntriesList()))
                .build());
        copied += got.getEntriesCount();
      }
      if (got.getNextAfterKey().isEmpty()) {
        return copied;
      }
      after = got.getNextAfterKey();
    }
    throw new IllegalStateException("more than " + PAGES_MAX + " pages of keys");
  }

  private void copySessions(ShardInfo source, ShardInfo added) {
    ByteString after = ByteString.EMPTY;
    for (int page = 0; page < PAGES_MAX; page++) {
      SplitStepResult got =
          step(
              source,
              SplitStep.newBuilder()
                  .setExportSessions(
                      ExportSessions.newBuilder()
                          .setAfterClientId(after)
                          .setMaxSessions(EXPORT_PAGE_SESSIONS))
                  .build());
      List<SnapshotSession> sessions = got.getSessions().getSessionsList();
      if (!sessions.isEmpty()) {
        step(
            added,
            SplitStep.newBuilder().setIngest(Ingest.newBuilder().addAllSessions(sessions)).build());
      }
      if (got.getSessions().getLast() || sessions.isEmpty()) {
        return;
      }
      after = sessions.get(sessions.size() - 1).getClientId();
    }
    throw new IllegalStateException("more than " + PAGES_MAX + " pages of sessions");
  }

  private void dropMoved(ShardInfo source, long fenceIndex) {
    ByteString after = ByteString.EMPTY;
    long dropped = 0;
    for (int page = 0; page < PAGES_MAX; page++) {
      SplitStepResult got =
          step(
              source,
              SplitStep.newBuilder()
                  .setDropMoved(
                      DropMoved.newBuilder()
                          .setAfterKey(after)
                          .setMaxKeys(DROP_PAGE_KEYS)
                          .setFenceIndex(fenceIndex))
                  .build());
      dropped += got.getDropped().getDropped();
      if (got.getDropped().getNextAfterKey().isEmpty()) {
        LOG.info(
            "{}: dropped {} keys it gave away", ShardMaps.describe(source.getShardId()), dropped);
        return;
      }
      after = got.getDropped().getNextAfterKey();
    }
  }

  /** Proposes {@code step} to {@code shard}'s log through its leader; a refusal fails the run. */
  private SplitStepResult step(ShardInfo shard, SplitStep step) {
    ApplySplitStepRequest req =
        ApplySplitStepRequest.newBuilder().setShardId(shard.getShardId()).setStep(step).build();
    SplitStepResult r =
        onReplicas(shard, stub -> stub.applySplitStep(req), Status.Code.UNAVAILABLE);
    if (r.hasRefused()) {
      throw new IllegalStateException(
          ShardMaps.describe(shard.getShardId())
              + " refused "
              + step.getStepCase()
              + ": "
              + r.getRefused());
    }
    return r;
  }

  /**
   * Calls the shard's replicas in turn, leader hint first, until one answers: a replica that
   * answers with {@code tryNext} (not the leader; not fenced yet) sends the call on to the next.
   */
  private <T> T onReplicas(
      ShardInfo shard, Function<PeerGrpc.PeerBlockingStub, T> call, Status.Code tryNext) {
    if (!leadsMeta()) {
      throw new IllegalStateException("this node no longer leads the meta group");
    }
    ShardInfo current = currentInfo(shard);
    List<String> order = new ArrayList<>();
    host.leaderOf(RaftHost.groupIdOf(current)).ifPresent(order::add);
    for (String r : current.getReplicasList()) {
      if (!order.contains(r)) {
        order.add(r);
      }
    }
    StatusRuntimeException last = null;
    for (int i = 0; i < order.size() && i < 8; i++) {
      String node = order.get(i);
      Optional<io.grpc.ManagedChannel> channel = peers.to(node);
      if (channel.isEmpty()) {
        continue;
      }
      try {
        return call.apply(
            PeerGrpc.newBlockingStub(channel.get())
                .withDeadlineAfter(callTimeoutMs, TimeUnit.MILLISECONDS));
      } catch (StatusRuntimeException e) {
        last = e;
        String hint = leaderHint(e);
        if (hint != null && !order.contains(hint)) {
          order.add(i + 1, hint);
        }
        if (e.getStatus().getCode() != tryNext
            && e.getStatus().getCode() != Status.Code.UNAVAILABLE
            && e.getStatus().getCode() != Status.Code.DEADLINE_EXCEEDED) {
          throw e;
        }
      }
    }
    throw last != null
        ? last
        : new IllegalStateException(
            "no replica of " + ShardMaps.describe(shard.getShardId()) + " could be called");
  }

  /** The shard as this node's newest map has it (its replicas change while a split runs). */
  private ShardInfo currentInfo(ShardInfo shard) {
    return directory.view().shards().getOrDefault(shard.getShardId(), shard);
  }

  private static String leaderHint(StatusRuntimeException e) {
    io.grpc.Metadata trailers = e.getTrailers();
    ErrorDetail detail = trailers == null ? null : trailers.get(WireHeaders.ERROR_DETAIL);
    return detail == null || detail.getLeaderHint().isEmpty() ? null : detail.getLeaderHint();
  }

  @Override
  public void close() {
    timer.cancel();
    worker.shutdownNow();
  }
}

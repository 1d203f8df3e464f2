package io.cairn.node.raft;

import io.cairn.node.cluster.PeerChannels;
import io.cairn.proto.internal.PeerGrpc;
import io.cairn.proto.internal.StalledFollowerAnswer;
import io.cairn.proto.internal.StalledFollowerReport;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follower side of stalled-replica recovery: every tick, looks at each local follower replica and
 * reports to its leader the ones whose applied index has stopped moving (see {@link StallTracker}
 * and peer.proto, ReportStalledFollower). Without it, a replica whose disk was wiped rejoins and
 * stays empty for as long as its group receives no writes.
 */
public final class StalledFollowerWatch implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(StalledFollowerWatch.class);
  static final long TICK_MS = 2_000;
  static final long QUIET_AFTER_CAUGHT_UP_MS = 10_000;
  static final long RETRY_AFTER_NUDGE_MS = 4_000;
  private static final long REPORT_TIMEOUT_MS = 2_000;

  private final RaftHost host;
  private final PeerChannels peers;
  private final StallTracker<RaftGroupId> tracker = new StallTracker<>(QUIET_AFTER_CAUGHT_UP_MS, RETRY_AFTER_NUDGE_MS);
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "cairn-stalled-follower-watch");
    t.setDaemon(true);
    return t;
  });

  public StalledFollowerWatch(RaftHost host, PeerChannels peers) {
    this.host = host;
    this.peers = peers;
  }

  public void start() {
    timer.scheduleWithFixedDelay(this::tickSafely, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
  }

  private void tickSafely() {
    try {
      tick();
    } catch (RuntimeException e) {
      LOG.warn("stalled-follower check failed; next check in {} ms", TICK_MS, e);
    }
  }

  private void tick() {
    List<RaftGroupId> local = new ArrayList<>();
    host.server().getGroupIds().forEach(local::add);
    tracker.retain(local);
    long now = System.currentTimeMillis();
    for (RaftGroupId gid : local) {
      host.division(gid).ifPresent(d -> {
        var info = d.getInfo();
        RaftPeerId leader = info.isLeader() ? null : info.getLeaderId();
        long applied = info.getLastAppliedIndex();
        if (tracker.observe(gid, leader == null ? null : leader.toString(), applied, now)) {
          report(gid, leader.toString(), applied);
        }
      });
    }
  }

  private void report(RaftGroupId gid, String leader, long applied) {
    var channel = peers.to(leader);
    if (channel.isEmpty()) {
      return;
    }
    StalledFollowerReport report = StalledFollowerReport.newBuilder().setGroupId(gid.getUuid().toString())
        .setFollowerId(host.nodeId()).setLeaderId(leader).setAppliedIndex(applied).build();
    Context.ROOT.run(() -> PeerGrpc.newStub(channel.get()).withDeadlineAfter(REPORT_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .reportStalledFollower(report, new StreamObserver<>() {
          @Override
          public void onNext(StalledFollowerAnswer a) {
            answered(gid, a.getNudged());
            if (a.getNudged()) {
              LOG.info("{}: applied index {} not moving; leader {} is at {} and appended an empty entry to catch up on",
                  gid, applied, leader, a.getLeaderAppliedIndex());
            }
          }

          @Override
          public void onError(Throwable t) {
            answered(gid, true);
          }

          @Override
          public void onCompleted() {}
        }));
  }

  private void answered(RaftGroupId gid, boolean nudgedOrFailed) {
    if (timer.isShutdown()) {
      return;
    }
    // The tracker is confined to the timer thread.
    timer.execute(() -> tracker.answered(gid, nudgedOrFailed, System.currentTimeMillis()));
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}

package io.cairn.node.catchup;

import io.cairn.node.config.NodeConfig;
import io.cairn.node.replica.RaftHost;
import io.cairn.node.routing.PeerChannels;
import io.cairn.node.runtime.NodeClock;
import io.cairn.node.runtime.Scheduler;
import io.cairn.proto.internal.PeerGrpc;
import io.cairn.proto.internal.StalledFollowerAnswer;
import io.cairn.proto.internal.StalledFollowerReport;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
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
  private final RaftHost host;
  private final PeerChannels peers;
  private final NodeConfig.Catchup settings;
  private final NodeClock clock;
  private final Scheduler scheduler;
  // Guarded by this: ticks and answers may run on different scheduler threads.
  private final StallTracker<RaftGroupId> tracker;
  private Scheduler.Cancellable ticks = () -> {};

  public StalledFollowerWatch(
      RaftHost host,
      PeerChannels peers,
      NodeConfig.Catchup settings,
      NodeClock clock,
      Scheduler scheduler) {
    this.host = host;
    this.peers = peers;
    this.settings = settings;
    this.clock = clock;
    this.scheduler = scheduler;
    this.tracker =
        new StallTracker<>(settings.quietAfterCaughtUpMs(), settings.retryAfterNudgeMs());
  }

  public synchronized void start() {
    ticks =
        scheduler.repeat(
            "stalled-follower check", this::tick, settings.tickMs(), settings.tickMs());
  }

  synchronized void tick() {
    List<RaftGroupId> local = new ArrayList<>();
    host.server().getGroupIds().forEach(local::add);
    tracker.retain(local);
    long now = clock.wallMs();
    for (RaftGroupId gid : local) {
      host.division(gid)
          .ifPresent(
              d -> {
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
    StalledFollowerReport report =
        StalledFollowerReport.newBuilder()
            .setGroupId(gid.getUuid().toString())
            .setFollowerId(host.nodeId())
            .setLeaderId(leader)
            .setAppliedIndex(applied)
            .build();
    Context.ROOT.run(
        () ->
            PeerGrpc.newStub(channel.get())
                .withDeadlineAfter(settings.reportTimeoutMs(), TimeUnit.MILLISECONDS)
                .reportStalledFollower(
                    report,
                    new StreamObserver<>() {
                      @Override
                      public void onNext(StalledFollowerAnswer a) {
                        answered(gid, a.getNudged());
                        if (a.getNudged()) {
                          LOG.info(
                              "{}: applied index {} not moving; leader {} is at {} and appended an empty entry to catch up on",
                              gid,
                              applied,
                              leader,
                              a.getLeaderAppliedIndex());
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

  private synchronized void answered(RaftGroupId gid, boolean nudgedOrFailed) {
    tracker.answered(gid, nudgedOrFailed, clock.wallMs());
  }

  @Override
  public synchronized void close() {
    ticks.cancel();
  }
}

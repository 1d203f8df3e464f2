package io.cairn.node.ops;

import io.cairn.node.replica.MetaStateMachine;
import io.cairn.node.replica.RaftHost;
import io.cairn.node.replica.ReplicaFailures;
import io.cairn.node.replica.ReplicaNotReadyException;
import io.cairn.node.replica.ShardStateMachine;
import io.cairn.node.replica.SnapshotIndex;
import io.cairn.node.routing.ShardDirectory;
import io.cairn.node.runtime.NodeClock;
import io.cairn.proto.NodeStatus;
import io.cairn.proto.ReplicaStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;

/** Reads the status of every replica this node hosts, for the Cluster API, metrics and /health. */
public final class NodeStatusReader {
  private final RaftHost host;
  private final ShardDirectory directory;
  private final ReplicaFailures failures;
  private final NodeClock clock;
  private final Supplier<Map<String, Long>> nodesDownSince;
  private final long startedAtNanos;

  /**
   * @param nodesDownSince the nodes this node's liveness polls find down, with the wall-clock time
   *     each stopped answering (the meta group's leader polls; empty elsewhere)
   */
  public NodeStatusReader(
      RaftHost host,
      ShardDirectory directory,
      ReplicaFailures failures,
      NodeClock clock,
      Supplier<Map<String, Long>> nodesDownSince) {
    this.host = host;
    this.directory = directory;
    this.failures = failures;
    this.clock = clock;
    this.nodesDownSince = nodesDownSince;
    this.startedAtNanos = clock.nanoTime();
  }

  public NodeStatus read() {
    List<ReplicaStatus> replicas = new ArrayList<>();
    for (RaftGroupId gid : host.server().getGroupIds()) {
      replica(gid).ifPresent(replicas::add);
    }
    replicas.sort(
        Comparator.comparing(ReplicaStatus::getIsMeta)
            .reversed()
            .thenComparing(ReplicaStatus::getShardId));
    return NodeStatus.newBuilder()
        .setNodeId(host.nodeId())
        .setMapEpoch(directory.map().getEpoch())
        .addAllReplicas(replicas)
        .setUptimeMs((clock.nanoTime() - startedAtNanos) / 1_000_000)
        .putAllDownSinceUnixMs(nodesDownSince.get())
        .build();
  }

  /** The status of this node's replica of {@code gid}; FAILED with the reason if it stopped. */
  public Optional<ReplicaStatus> replica(RaftGroupId gid) {
    return host.division(gid)
        .map(
            d -> {
              ReplicaStatus s = status(d);
              return failures
                  .of(gid)
                  .map(f -> s.toBuilder().setRole("FAILED").setFailure(f.reason()).build())
                  .orElse(s);
            });
  }

  private static ReplicaStatus status(RaftServer.Division d) {
    var info = d.getInfo();
    ReplicaStatus.Builder b =
        ReplicaStatus.newBuilder()
            .setRole(info.getCurrentRole().name())
            .setTerm(info.getCurrentTerm())
            .setCommitIndex(Math.max(0, d.getRaftLog().getLastCommittedIndex()))
            .setLogStartIndex(Math.max(0, d.getRaftLog().getStartIndex()))
            .setAppliedIndex(Math.max(0, info.getLastAppliedIndex()))
            .setSnapshotIndex(Math.max(0, SnapshotIndex.of(d.getStateMachine())));
    if (info.getLeaderId() != null) {
      b.setLeaderId(info.getLeaderId().toString());
    }
    if (d.getStateMachine() instanceof ShardStateMachine s) {
      b.setShardId(s.shardId()).setLogBytes(s.logBytes());
      try {
        b.setStoreBytes(s.core().storageBytes()).setKeys(s.core().keyCount());
      } catch (ReplicaNotReadyException notReady) {
        // Replica between snapshot install and reload: no store to measure right now.
      }
    } else if (d.getStateMachine() instanceof MetaStateMachine m) {
      b.setIsMeta(true).setLogBytes(m.logBytes());
    }
    return b.build();
  }
}

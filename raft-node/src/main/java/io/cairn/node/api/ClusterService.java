package io.cairn.node.api;

import io.cairn.node.ops.NodeStatusReader;
import io.cairn.node.replica.RaftHost;
import io.cairn.node.routing.LeaderHints;
import io.cairn.node.routing.PeerChannels;
import io.cairn.node.routing.ShardDirectory;
import io.cairn.proto.ClusterGrpc;
import io.cairn.proto.ClusterStatus;
import io.cairn.proto.GetClusterStatusRequest;
import io.cairn.proto.GetNodeStatusRequest;
import io.cairn.proto.GetRoutingRequest;
import io.cairn.proto.GetShardMapRequest;
import io.cairn.proto.NodeInfo;
import io.cairn.proto.NodeStatus;
import io.cairn.proto.Routing;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Shard map, routing and status for clients and operators. */
public final class ClusterService extends ClusterGrpc.ClusterImplBase {
  private final ShardDirectory directory;
  private final String nodeId;
  private final LeaderHints leaders;
  private final NodeStatusReader statusReader;
  private final PeerChannels peers;
  private final long peerStatusTimeoutMs;

  public ClusterService(
      ShardDirectory directory,
      String nodeId,
      LeaderHints leaders,
      NodeStatusReader statusReader,
      PeerChannels peers,
      long peerStatusTimeoutMs) {
    this.peers = peers;
    this.directory = directory;
    this.nodeId = nodeId;
    this.leaders = leaders;
    this.statusReader = statusReader;
    this.peerStatusTimeoutMs = peerStatusTimeoutMs;
  }

  @Override
  public void getShardMap(GetShardMapRequest req, StreamObserver<ShardMap> out) {
    out.onNext(directory.map());
    out.onCompleted();
  }

  @Override
  public void getRouting(GetRoutingRequest req, StreamObserver<Routing> out) {
    ShardMap map = directory.map();
    Routing.Builder b = Routing.newBuilder().setMap(map);
    for (ShardInfo s : map.getShardsList()) {
      var gid = RaftHost.groupIdOf(s);
      leaders.leaderOf(gid).ifPresent(leader -> b.putLeaders(s.getShardId(), leader));
    }
    out.onNext(b.build());
    out.onCompleted();
  }

  @Override
  public void getNodeStatus(GetNodeStatusRequest req, StreamObserver<NodeStatus> out) {
    out.onNext(statusReader.read());
    out.onCompleted();
  }

  @Override
  public void getClusterStatus(GetClusterStatusRequest req, StreamObserver<ClusterStatus> out) {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    ClusterStatus.Builder b = ClusterStatus.newBuilder();
    Object lock = new Object();
    for (NodeInfo n : directory.map().getNodesList()) {
      if (n.getId().equals(nodeId)) {
        NodeStatus self = statusReader.read();
        synchronized (lock) {
          b.addNodes(self);
        }
        continue;
      }
      CompletableFuture<Void> f = new CompletableFuture<>();
      all.add(f);
      ClusterGrpc.newStub(peers.to(n))
          .withDeadlineAfter(peerStatusTimeoutMs, TimeUnit.MILLISECONDS)
          .getNodeStatus(
              GetNodeStatusRequest.getDefaultInstance(),
              new StreamObserver<>() {
                @Override
                public void onNext(NodeStatus s) {
                  synchronized (lock) {
                    b.addNodes(s);
                  }
                }

                @Override
                public void onError(Throwable t) {
                  synchronized (lock) {
                    b.putUnreachable(n.getId(), StatusMapping.oneLine(t));
                  }
                  f.complete(null);
                }

                @Override
                public void onCompleted() {
                  f.complete(null);
                }
              });
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .whenComplete(
            (v, e) -> {
              ClusterStatus status;
              synchronized (lock) {
                List<NodeStatus> sorted = new ArrayList<>(b.getNodesList());
                sorted.sort(java.util.Comparator.comparing(NodeStatus::getNodeId));
                status = b.clearNodes().addAllNodes(sorted).build();
              }
              out.onNext(status);
              out.onCompleted();
            });
  }
}

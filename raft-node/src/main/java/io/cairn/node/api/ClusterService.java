package io.cairn.node.api;

import io.cairn.node.cluster.NodeStatusReader;
import io.cairn.node.cluster.PeerChannels;
import io.cairn.node.cluster.ShardDirectory;
import io.cairn.node.raft.RaftHost;
import io.cairn.node.raft.GroupClients;
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
  private static final long PEER_STATUS_TIMEOUT_MS = 2000;

  private final ShardDirectory directory;
  private final RaftHost host;
  private final GroupClients forwarders;
  private final NodeStatusReader statusReader;
  private final PeerChannels peers;

  public ClusterService(ShardDirectory directory, RaftHost host, GroupClients forwarders, NodeStatusReader statusReader,
                        PeerChannels peers) {
    this.peers = peers;
    this.directory = directory;
    this.host = host;
    this.forwarders = forwarders;
    this.statusReader = statusReader;
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
      host.leaderOf(gid).or(() -> forwarders.knownLeader(gid))
          .ifPresent(leader -> b.putLeaders(s.getShardId(), leader));
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
      if (n.getId().equals(host.nodeId())) {
        NodeStatus self = statusReader.read();
        synchronized (lock) {
          b.addNodes(self);
        }
        continue;
      }
      CompletableFuture<Void> f = new CompletableFuture<>();
      all.add(f);
      ClusterGrpc.newStub(peers.to(n)).withDeadlineAfter(PEER_STATUS_TIMEOUT_MS, TimeUnit.MILLISECONDS)
          .getNodeStatus(GetNodeStatusRequest.getDefaultInstance(), new StreamObserver<>() {
            @Override
            public void onNext(NodeStatus s) {
              synchronized (lock) {
                b.addNodes(s);
              }
            }

            @Override
            public void onError(Throwable t) {
              synchronized (lock) {
                b.putUnreachable(n.getId(), io.grpc.Status.fromThrowable(t).toString());
              }
              f.complete(null);
            }

            @Override
            public void onCompleted() {
              f.complete(null);
            }
          });
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
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

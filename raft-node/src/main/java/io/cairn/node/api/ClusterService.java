package io.cairn.node.api;

import io.cairn.node.membership.MembershipCommands;
import io.cairn.node.ops.NodeStatusReader;
import io.cairn.node.ops.StateDigests;
import io.cairn.node.replica.RaftHost;
import io.cairn.node.routing.LeaderHints;
import io.cairn.node.routing.PeerChannels;
import io.cairn.node.routing.ShardDirectory;
import io.cairn.proto.AddNodeRequest;
import io.cairn.proto.AddShardRequest;
import io.cairn.proto.ClusterGrpc;
import io.cairn.proto.ClusterStatus;
import io.cairn.proto.GetClusterStatusRequest;
import io.cairn.proto.GetNodeStatusRequest;
import io.cairn.proto.GetReplicaDigestRequest;
import io.cairn.proto.GetRoutingRequest;
import io.cairn.proto.GetShardMapRequest;
import io.cairn.proto.MarkShardDigestRequest;
import io.cairn.proto.MarkShardDigestResponse;
import io.cairn.proto.MoveReplicaRequest;
import io.cairn.proto.NodeInfo;
import io.cairn.proto.NodeStatus;
import io.cairn.proto.RemoveNodeRequest;
import io.cairn.proto.ReplicaDigest;
import io.cairn.proto.Routing;
import io.cairn.proto.SetNodeStateRequest;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import io.cairn.proto.TransferLeaderRequest;
import io.cairn.proto.TransferLeaderResponse;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/** Shard map, routing and status for clients and operators. */
public final class ClusterService extends ClusterGrpc.ClusterImplBase {
  private final ShardDirectory directory;
  private final String nodeId;
  private final LeaderHints leaders;
  private final NodeStatusReader statusReader;
  private final PeerChannels peers;
  private final long peerStatusTimeoutMs;
  private final StateDigests digests;
  private final MembershipCommands membership;

  public ClusterService(
      ShardDirectory directory,
      String nodeId,
      LeaderHints leaders,
      NodeStatusReader statusReader,
      PeerChannels peers,
      long peerStatusTimeoutMs,
      StateDigests digests,
      MembershipCommands membership) {
    this.digests = digests;
    this.membership = membership;
    this.peers = peers;
    this.directory = directory;
    this.nodeId = nodeId;
    this.leaders = leaders;
    this.statusReader = statusReader;
    this.peerStatusTimeoutMs = peerStatusTimeoutMs;
  }

  @Override
  public void getShardMap(GetShardMapRequest req, StreamObserver<ShardMap> out) {
    out.onNext(forClients(directory.map()));
    out.onCompleted();
  }

  @Override
  public void getRouting(GetRoutingRequest req, StreamObserver<Routing> out) {
    ShardMap map = directory.map();
    Routing.Builder b = Routing.newBuilder().setMap(forClients(map));
    for (ShardInfo s : map.getShardsList()) {
      var gid = RaftHost.groupIdOf(s);
      leaders.leaderOf(gid).ifPresent(leader -> b.putLeaders(s.getShardId(), leader));
    }
    out.onNext(b.build());
    out.onCompleted();
  }

  @Override
  public void markShardDigest(
      MarkShardDigestRequest req, StreamObserver<MarkShardDigestResponse> out) {
    answer(digests.mark(req.getShardId()), out, "verify", req.getShardId());
  }

  @Override
  public void getReplicaDigest(GetReplicaDigestRequest req, StreamObserver<ReplicaDigest> out) {
    if (req.getIndex() < 1) {
      out.onError(
          Status.INVALID_ARGUMENT
              .withDescription("verify: index must be a digest marker's log index (at least 1)")
              .asRuntimeException());
      return;
    }
    answer(
        digests.digestAt(req.getShardId(), req.getIndex(), req.getWaitMs()),
        out,
        "verify",
        req.getShardId());
  }

  @Override
  public void transferLeader(
      TransferLeaderRequest req, StreamObserver<TransferLeaderResponse> out) {
    // A change queued behind others must not happen after its caller gave up on it: it may have
    // retried with another target meanwhile, and this one would undo it.
    Context call = Context.current();
    answer(
        membership
            .transferLeader(req.getShardId(), req.getNodeId(), () -> !call.isCancelled())
            .thenApply(
                map ->
                    TransferLeaderResponse.newBuilder()
                        .setShardId(req.getShardId())
                        .setNodeId(req.getNodeId())
                        .setMapEpoch(map.getEpoch())
                        .build()),
        out,
        "leader transfer",
        req.getShardId());
  }

  @Override
  public void addNode(AddNodeRequest req, StreamObserver<ShardMap> out) {
    Context call = Context.current();
    answer(
        membership
            .addNode(req.getNode(), req.getLostData(), () -> !call.isCancelled())
            .thenApply(ClusterService::forClients),
        out,
        "node add",
        0);
  }

  @Override
  public void setNodeState(SetNodeStateRequest req, StreamObserver<ShardMap> out) {
    Context call = Context.current();
    answer(
        membership
            .setNodeState(req.getNodeId(), req.getState(), () -> !call.isCancelled())
            .thenApply(ClusterService::forClients),
        out,
        "node state",
        0);
  }

  @Override
  public void removeNode(RemoveNodeRequest req, StreamObserver<ShardMap> out) {
    Context call = Context.current();
    answer(
        membership
            .removeNode(req.getNodeId(), req.getForce(), () -> !call.isCancelled())
            .thenApply(ClusterService::forClients),
        out,
        "node remove",
        0);
  }

  @Override
  public void addShard(AddShardRequest req, StreamObserver<ShardMap> out) {
    Context call = Context.current();
    answer(
        membership.addShard(() -> !call.isCancelled()).thenApply(ClusterService::forClients),
        out,
        "shard add",
        0);
  }

  @Override
  public void moveReplica(MoveReplicaRequest req, StreamObserver<ShardMap> out) {
    Context call = Context.current();
    answer(
        membership
            .moveReplica(
                req.getShardId(),
                req.getFrom(),
                req.getTo(),
                req.getCancel(),
                () -> !call.isCancelled())
            .thenApply(ClusterService::forClients),
        out,
        "shard move",
        req.getShardId());
  }

  /**
   * The map as a caller outside the cluster may see it: without the users and roles (their password
   * hashes are the nodes' business only). Every map this service sends goes through here.
   */
  static ShardMap forClients(ShardMap map) {
    return map.hasAuth() ? map.toBuilder().clearAuth().build() : map;
  }

  /** Sends an operator call's result, or its failure mapped by {@link #adminFailure}. */
  private <T> void answer(
      CompletableFuture<T> result, StreamObserver<T> out, String op, int shard) {
    result.whenComplete(
        (r, e) -> {
          if (e != null) {
            out.onError(adminFailure(e, op, shard));
          } else {
            out.onNext(r);
            out.onCompleted();
          }
        });
  }

  private StatusRuntimeException adminFailure(Throwable e, String op, int shard) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof IllegalArgumentException) {
      return Status.INVALID_ARGUMENT
          .withDescription(op + ": " + cause.getMessage())
          .asRuntimeException();
    }
    if (cause instanceof IllegalStateException) {
      return Status.FAILED_PRECONDITION
          .withDescription(op + ": " + cause.getMessage())
          .asRuntimeException();
    }
    String hint =
        directory.map().getShardsList().stream()
            .filter(s -> s.getShardId() == shard)
            .findFirst()
            .flatMap(s -> leaders.leaderOf(RaftHost.groupIdOf(s)))
            .orElse(null);
    return StatusMapping.fromFailure(cause, op, shard, hint, 0, false);
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
      if (n.getState() == io.cairn.proto.NodeState.NODE_REMOVED) {
        continue; // out of the cluster: not expected to answer
      }
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

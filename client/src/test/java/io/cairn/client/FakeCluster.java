package io.cairn.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.cairn.proto.ClusterGrpc;
import io.cairn.proto.ClusterStatus;
import io.cairn.proto.DeleteRequest;
import io.cairn.proto.DeleteResponse;
import io.cairn.proto.ErrorDetail;
import io.cairn.proto.GetClusterStatusRequest;
import io.cairn.proto.GetNodeStatusRequest;
import io.cairn.proto.GetReplicaDigestRequest;
import io.cairn.proto.GetRequest;
import io.cairn.proto.GetResponse;
import io.cairn.proto.GetRoutingRequest;
import io.cairn.proto.GetShardMapRequest;
import io.cairn.proto.KeyRing;
import io.cairn.proto.KvGrpc;
import io.cairn.proto.MarkShardDigestRequest;
import io.cairn.proto.MarkShardDigestResponse;
import io.cairn.proto.NodeInfo;
import io.cairn.proto.NodeStatus;
import io.cairn.proto.PutRequest;
import io.cairn.proto.PutResponse;
import io.cairn.proto.ReplicaDigest;
import io.cairn.proto.ReplicaStatus;
import io.cairn.proto.Routing;
import io.cairn.proto.SessionToken;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import io.cairn.proto.TransferLeaderRequest;
import io.cairn.proto.TransferLeaderResponse;
import io.cairn.proto.WireHeaders;
import io.cairn.proto.WriteId;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A fake Cairn cluster over in-process gRPC: nodes {@code n1..nN}, each serving fake Kv and Cluster
 * services at the in-process name {@code n<i>:7001}, which is also its endpoint in the shard map.
 * All nodes share one store (any node "forwards"), versions are per-shard log indexes, writes are
 * deduplicated by WriteId like the real shard. A node that does not lead a request's shard answers
 * it anyway and names the leader in the {@code cairn-leader} header, as the real server does.
 *
 * <p>Tests script failures ({@link #failNext}), hold requests ({@link #holdNext}), separate the
 * leaders GetRouting reports from the actual ones, stop nodes, and read back every request each
 * node received ({@link #received()}).
 */
public final class FakeCluster implements AutoCloseable {
  public static final Metadata.Key<ErrorDetail> DETAIL_KEY = WireHeaders.ERROR_DETAIL;
  static final Metadata.Key<String> LEADER_KEY = WireHeaders.LEADER;
  private static final Context.Key<AtomicReference<String>> HINT = Context.key("fake-leader-hint");

  /** A request a node received. */
  public record Received(String nodeId, String method, Message request) {}

  /**
   * A scripted failure: the status (with detail trailer, if any) or, if {@code hang}, no answer at
   * all.
   */
  public record Fault(Status status, ErrorDetail detail, boolean hang) {
    public static Fault of(Status status) {
      return new Fault(status, null, false);
    }

    public static Fault of(Status status, ErrorDetail detail) {
      return new Fault(status, detail, false);
    }

    public static Fault hanging() {
      return new Fault(null, null, true);
    }
  }

  private record Versioned(ByteString value, long version) {}

  private final String clusterId = "fake-" + UUID.randomUUID();
  private final List<NodeInfo> nodes = new ArrayList<>();
  private final AtomicReference<ShardMap> map = new AtomicReference<>();
  private final Map<Integer, String> actualLeaders = new ConcurrentHashMap<>();
  private final Map<Integer, String> reportedLeaders = new ConcurrentHashMap<>();
  private final Map<ByteString, Versioned> store = new ConcurrentHashMap<>();
  private final Map<Integer, AtomicLong> shardIndex = new ConcurrentHashMap<>();
  private final Map<String, Message> writeResults = new ConcurrentHashMap<>();
  private final Map<String, Server> servers = new ConcurrentHashMap<>();
  private final Map<String, String> unreachableReasons = new ConcurrentHashMap<>();
  // What the fake's meta leader (the first node still up) reports in its NodeStatus.
  private final Map<String, Long> downSinceUnixMs = new ConcurrentHashMap<>();
  private final Set<String> corruptReplicas = ConcurrentHashMap.newKeySet();
  private final Map<String, AtomicInteger> routingCalls = new ConcurrentHashMap<>();
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final Queue<Fault> nextFaults = new ConcurrentLinkedQueue<>();
  private final AtomicReference<Fault> everyRequest = new AtomicReference<>();
  private final AtomicInteger holdCount = new AtomicInteger();
  private final List<Runnable> held = new CopyOnWriteArrayList<>();
  private final AtomicInteger applied = new AtomicInteger();
  private volatile Consumer<Received> onRequest = r -> {};

  /**
   * {@code nodeCount} nodes, shards 1..{@code shardCount}, each on {@code replication} nodes, led
   * by its first replica.
   */
  public FakeCluster(int nodeCount, int shardCount, int replication) {
    for (int i = 1; i <= nodeCount; i++) {
      nodes.add(
          NodeInfo.newBuilder()
              .setId("n" + i)
              .setHost("n" + i)
              .setClientPort(7001)
              .setRaftPort(7000)
              .setHttpPort(7002)
              .setPeerPort(7003)
              .build());
    }
    ShardMap.Builder m =
        ShardMap.newBuilder()
            .setClusterId(clusterId)
            .setEpoch(1)
            .setVirtualNodesPerShard(16)
            .setReplicationFactor(replication)
            .addAllNodes(nodes);
    for (int s = 1; s <= shardCount; s++) {
      ShardInfo.Builder shard =
          ShardInfo.newBuilder()
              .setShardId(s)
              .setGroupId(
                  UUID.nameUUIDFromBytes((clusterId + "/" + s).getBytes(StandardCharsets.UTF_8))
                      .toString());
      for (int r = 0; r < replication; r++) {
        shard.addReplicas(nodes.get((s - 1 + r) % nodeCount).getId());
      }
      m.addShards(shard);
      actualLeaders.put(s, shard.getReplicas(0));
      reportedLeaders.put(s, shard.getReplicas(0));
      shardIndex.put(s, new AtomicLong(s * 1000L));
    }
    m.setMeta(
        ShardInfo.newBuilder()
            .setShardId(0)
            .setGroupId("meta")
            .addAllReplicas(nodes.stream().limit(3).map(NodeInfo::getId).toList()));
    map.set(m.build());
    for (NodeInfo n : nodes) {
      start(n.getId());
    }
  }

  // ---- wiring ----

  public ChannelFactory channelFactory() {
    return (endpoint, config) ->
        InProcessChannelBuilder.forName(endpoint.toString())
            .maxInboundMessageSize(config.maxInboundMessageBytes())
            .build();
  }

  /** Every node's endpoint, {@code n<i>:7001}. */
  public List<String> endpoints() {
    return nodes.stream().map(n -> n.getHost() + ":" + n.getClientPort()).toList();
  }

  public ClientConfig.Builder config() {
    return ClientConfig.builder()
        .endpoints(endpoints())
        .channelFactory(channelFactory())
        .retryBackoffMs(1, 5)
        .routingRefreshMsMin(0)
        .random(new java.util.Random(42));
  }

  public void start(String nodeId) {
    try {
      Server server =
          InProcessServerBuilder.forName(endpointOf(nodeId))
              .directExecutor()
              .addService(ServerInterceptors.intercept(new FakeKv(nodeId), new LeaderHeader()))
              .addService(new FakeClusterService(nodeId))
              .build()
              .start();
      servers.put(nodeId, server);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Stops a node: connections to it fail with UNAVAILABLE; GetClusterStatus reports it "connection
   * refused".
   */
  public void stop(String nodeId) {
    stop(nodeId, "connection refused");
  }

  /**
   * Stops a node, and GetClusterStatus reports it unreachable with {@code unreachableReason} (the
   * real server sends a rendered gRPC status, which can be several lines long).
   */
  public void stop(String nodeId, String unreachableReason) {
    unreachableReasons.put(nodeId, unreachableReason);
    Server s = servers.remove(nodeId);
    if (s != null) {
      s.shutdownNow();
    }
  }

  /**
   * Has the meta group's leader (here: the first node still up) report {@code nodeId} not answering
   * its polls since {@code unixMs}, as a real meta leader does in its NodeStatus.
   */
  public void reportDownSince(String nodeId, long unixMs) {
    downSinceUnixMs.put(nodeId, unixMs);
  }

  @Override
  public void close() {
    servers.values().forEach(Server::shutdownNow);
    servers.clear();
  }

  // ---- the map and leaders ----

  public ShardMap map() {
    return map.get();
  }

  public int shardOf(String key) {
    return KeyRing.of(map.get()).shardFor(key.getBytes(StandardCharsets.UTF_8));
  }

  /** A key (key-0, key-1, ...) that lives on {@code shard}. */
  public String keyOnShard(int shard) {
    for (int i = 0; ; i++) {
      if (shardOf("key-" + i) == shard) {
        return "key-" + i;
      }
    }
  }

  public String leaderOf(int shard) {
    return actualLeaders.get(shard);
  }

  /** The leader really changes, and GetRouting reports it. */
  /** Node {@code nodeId}'s replica of {@code shard} reports a different digest from now on. */
  public void corruptReplica(String nodeId, int shard) {
    corruptReplicas.add(nodeId + "/" + shard);
  }

  public void setLeader(int shard, String nodeId) {
    actualLeaders.put(shard, nodeId);
    reportedLeaders.put(shard, nodeId);
  }

  /** The leader changes, but GetRouting keeps reporting the old one (nodes have not heard yet). */
  public void moveLeaderQuietly(int shard, String nodeId) {
    actualLeaders.put(shard, nodeId);
  }

  public void bumpEpoch() {
    map.updateAndGet(m -> m.toBuilder().setEpoch(m.getEpoch() + 1).build());
  }

  public long shardIndex(int shard) {
    return shardIndex.get(shard).get();
  }

  /** Moves a shard's log forward (writes by someone else). */
  public void advanceShardIndex(int shard, long by) {
    shardIndex.get(shard).addAndGet(by);
  }

  // ---- scripting ----

  /** The next {@code count} Kv requests (to any node) fail with {@code fault}. */
  public void failNext(int count, Fault fault) {
    for (int i = 0; i < count; i++) {
      nextFaults.add(fault);
    }
  }

  /** Every Kv request fails with {@code fault} (null: back to normal). */
  public void failEveryRequest(Fault fault) {
    everyRequest.set(fault);
  }

  /** The next {@code count} Kv requests are held unanswered until {@link #releaseHeld()}. */
  public void holdNext(int count) {
    holdCount.addAndGet(count);
  }

  public int heldCount() {
    return held.size();
  }

  public void releaseHeld() {
    List<Runnable> all = new ArrayList<>(held);
    held.clear();
    all.forEach(Runnable::run);
  }

  /** Runs for every Kv request, on arrival (for example to advance a fake clock). */
  public void onRequest(Consumer<Received> hook) {
    this.onRequest = hook;
  }

  public List<Received> received() {
    return List.copyOf(received);
  }

  public <T extends Message> List<T> received(Class<T> type) {
    return received.stream()
        .map(Received::request)
        .filter(type::isInstance)
        .map(type::cast)
        .toList();
  }

  public int routingCalls() {
    return routingCalls.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  /** How many writes were applied (deduplicated retries do not count). */
  public int appliedWrites() {
    return applied.get();
  }

  private String endpointOf(String nodeId) {
    return nodeId + ":7001";
  }

  private int shardOf(ByteString key) {
    return KeyRing.of(map.get()).shardFor(key.toByteArray());
  }

  // ---- the services ----

  /** Puts the leader hint a call collected into its response headers. */
  private static final class LeaderHeader implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      AtomicReference<String> hint = new AtomicReference<>();
      ServerCall<Q, R> withHint =
          new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void sendHeaders(Metadata h) {
              if (hint.get() != null) {
                h.put(LEADER_KEY, hint.get());
              }
              super.sendHeaders(h);
            }
          };
      return Contexts.interceptCall(
          Context.current().withValue(HINT, hint), withHint, headers, next);
    }
  }

  private final class FakeKv extends KvGrpc.KvImplBase {
    private final String nodeId;

    FakeKv(String nodeId) {
      this.nodeId = nodeId;
    }

    @Override
    public void put(PutRequest req, StreamObserver<PutResponse> out) {
      serve(
          "put",
          req,
          req.getKey(),
          out,
          () ->
              write(
                  req.getWriteId(),
                  () -> {
                    int shard = shardOf(req.getKey());
                    Versioned cur = store.get(req.getKey());
                    if (req.hasExpectedVersion()
                        && req.getExpectedVersion() != (cur == null ? 0 : cur.version())) {
                      return mismatch("put", shard, cur);
                    }
                    long version = shardIndex.get(shard).incrementAndGet();
                    store.put(req.getKey(), new Versioned(req.getValue(), version));
                    applied.incrementAndGet();
                    return PutResponse.newBuilder()
                        .setVersion(version)
                        .setToken(token(shard, version))
                        .build();
                  }));
    }

    @Override
    public void delete(DeleteRequest req, StreamObserver<DeleteResponse> out) {
      serve(
          "delete",
          req,
          req.getKey(),
          out,
          () ->
              write(
                  req.getWriteId(),
                  () -> {
                    int shard = shardOf(req.getKey());
                    Versioned cur = store.get(req.getKey());
                    if (req.hasExpectedVersion()
                        && req.getExpectedVersion() != (cur == null ? 0 : cur.version())) {
                      return mismatch("delete", shard, cur);
                    }
                    long index = shardIndex.get(shard).incrementAndGet();
                    store.remove(req.getKey());
                    applied.incrementAndGet();
                    return DeleteResponse.newBuilder()
                        .setExisted(cur != null)
                        .setIndex(index)
                        .setToken(token(shard, index))
                        .build();
                  }));
    }

    @Override
    public void get(GetRequest req, StreamObserver<GetResponse> out) {
      serve(
          "get",
          req,
          req.getKey(),
          out,
          () -> {
            int shard = shardOf(req.getKey());
            Versioned cur = store.get(req.getKey());
            GetResponse.Builder b =
                GetResponse.newBuilder().setToken(token(shard, shardIndex.get(shard).get()));
            if (cur != null) {
              b.setFound(true).setValue(cur.value()).setVersion(cur.version());
            }
            return b.build();
          });
    }

    /** Deduplicates like the real shard: a WriteId seen before gets its stored answer. */
    private Object write(WriteId id, java.util.function.Supplier<Object> apply) {
      String dedupKey =
          java.util.Base64.getEncoder().encodeToString(id.getClientId().toByteArray())
              + "/"
              + id.getSequence();
      synchronized (FakeCluster.this) {
        Message stored = writeResults.get(dedupKey);
        if (stored != null) {
          return stored;
        }
        Object result = apply.get();
        if (result instanceof Message m) {
          writeResults.put(dedupKey, m);
        }
        return result;
      }
    }

    @SuppressWarnings("unchecked")
    private <R> void serve(
        String method,
        Message req,
        ByteString key,
        StreamObserver<R> out,
        java.util.function.Supplier<Object> answer) {
      Received r = new Received(nodeId, method, req);
      received.add(r);
      onRequest.accept(r);
      String leader = actualLeaders.get(shardOf(key));
      if (leader != null && !leader.equals(nodeId)) {
        HINT.get().set(leader);
      }
      Fault fault = nextFaults.poll();
      if (fault == null) {
        fault = everyRequest.get();
      }
      if (fault != null) {
        if (!fault.hang()) {
          Metadata trailers = new Metadata();
          if (fault.detail() != null) {
            trailers.put(DETAIL_KEY, fault.detail());
          }
          out.onError(fault.status().asRuntimeException(trailers));
        }
        return;
      }
      Runnable respond =
          () -> {
            Object result = answer.get();
            if (result instanceof Throwable t) {
              out.onError(t);
            } else {
              out.onNext((R) result);
              out.onCompleted();
            }
          };
      if (holdCount.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        held.add(respond);
      } else {
        respond.run();
      }
    }
  }

  /** Named after the RPC, as the real server's messages are ("delete: ..."). */
  private static Throwable mismatch(String op, int shard, Versioned cur) {
    Metadata trailers = new Metadata();
    trailers.put(
        DETAIL_KEY,
        ErrorDetail.newBuilder()
            .setReason(ErrorDetail.Reason.VERSION_MISMATCH)
            .setCurrentVersion(cur == null ? 0 : cur.version())
            .setExists(cur != null)
            .setShardId(shard)
            .build());
    return Status.FAILED_PRECONDITION
        .withDescription(op + ": version mismatch")
        .asRuntimeException(trailers);
  }

  private static SessionToken token(int shard, long index) {
    return SessionToken.newBuilder().setShardId(shard).setIndex(index).build();
  }

  private final class FakeClusterService extends ClusterGrpc.ClusterImplBase {
    private final String nodeId;

    FakeClusterService(String nodeId) {
      this.nodeId = nodeId;
    }

    // ---- membership: a node's state and moves, with a one-step "rebalancer" per routing call ----

    @Override
    public void addNode(io.cairn.proto.AddNodeRequest req, StreamObserver<ShardMap> out) {
      ShardMap m = map.get();
      if (m.getNodesList().stream().noneMatch(n -> n.getId().equals(req.getNode().getId()))) {
        map.set(m.toBuilder().addNodes(req.getNode()).setEpoch(m.getEpoch() + 1).build());
      }
      out.onNext(map.get());
      out.onCompleted();
    }

    @Override
    public void setNodeState(io.cairn.proto.SetNodeStateRequest req, StreamObserver<ShardMap> out) {
      out.onNext(withState(req.getNodeId(), req.getState()));
      out.onCompleted();
    }

    @Override
    public void removeNode(io.cairn.proto.RemoveNodeRequest req, StreamObserver<ShardMap> out) {
      ShardMap m = map.get();
      boolean holds =
          m.getShardsList().stream().anyMatch(x -> x.getReplicasList().contains(req.getNodeId()));
      if (holds && !req.getForce()) {
        out.onError(
            Status.FAILED_PRECONDITION
                .withDescription(
                    "node remove: node '"
                        + req.getNodeId()
                        + "' still holds replicas; drain it first")
                .asRuntimeException());
        return;
      }
      out.onNext(withState(req.getNodeId(), io.cairn.proto.NodeState.NODE_REMOVED));
      out.onCompleted();
    }

    @Override
    public void moveReplica(io.cairn.proto.MoveReplicaRequest req, StreamObserver<ShardMap> out) {
      ShardMap m = map.get();
      ShardMap.Builder next = m.toBuilder().setEpoch(m.getEpoch() + 1);
      for (int i = 0; i < next.getShardsCount(); i++) {
        ShardInfo x = next.getShards(i);
        if (x.getShardId() == req.getShardId()) {
          next.setShards(
              i,
              req.getCancel()
                  ? x.toBuilder().clearMove().build()
                  : x.toBuilder()
                      .setMove(
                          io.cairn.proto.ReplicaMove.newBuilder()
                              .setFrom(req.getFrom())
                              .setTo(req.getTo()))
                      .build());
        }
      }
      map.set(next.build());
      out.onNext(map.get());
      out.onCompleted();
    }

    private ShardMap withState(String nodeId, io.cairn.proto.NodeState state) {
      ShardMap m = map.get();
      ShardMap.Builder next = m.toBuilder().setEpoch(m.getEpoch() + 1).clearNodes();
      for (NodeInfo n : m.getNodesList()) {
        next.addNodes(n.getId().equals(nodeId) ? n.toBuilder().setState(state).build() : n);
      }
      map.set(next.build());
      return map.get();
    }

    /**
     * One step of a fake rebalancer: finishes one move in progress, or starts one off a node that
     * is not active, onto the active node holding fewest replicas.
     */
    private void rebalanceStep() {
      ShardMap m = map.get();
      List<ShardInfo> groups = new ArrayList<>(m.getShardsList());
      groups.add(m.getMeta());
      for (int i = 0; i < groups.size(); i++) {
        ShardInfo x = groups.get(i);
        ShardInfo changed = null;
        if (x.hasMove()) {
          List<String> replicas = new ArrayList<>(x.getReplicasList());
          replicas.remove(x.getMove().getFrom());
          replicas.add(x.getMove().getTo());
          changed = x.toBuilder().clearReplicas().addAllReplicas(replicas).clearMove().build();
        } else {
          changed = moveOffInactive(m, x);
        }
        if (changed != null) {
          groups.set(i, changed);
          ShardMap.Builder next = m.toBuilder().setEpoch(m.getEpoch() + 1).clearShards();
          next.addAllShards(groups.subList(0, groups.size() - 1));
          next.setMeta(groups.get(groups.size() - 1));
          map.set(next.build());
          return;
        }
      }
    }

    /** The group with a move off its first replica on a node that is not active, or null. */
    private ShardInfo moveOffInactive(ShardMap m, ShardInfo x) {
      for (String r : x.getReplicasList()) {
        NodeInfo holder =
            m.getNodesList().stream().filter(n -> n.getId().equals(r)).findFirst().orElseThrow();
        if (holder.getState() == io.cairn.proto.NodeState.NODE_ACTIVE) {
          continue;
        }
        String to =
            m.getNodesList().stream()
                .filter(n -> n.getState() == io.cairn.proto.NodeState.NODE_ACTIVE)
                .map(NodeInfo::getId)
                .filter(id -> !x.getReplicasList().contains(id))
                .findFirst()
                .orElse(null);
        if (to != null) {
          return x.toBuilder()
              .setMove(io.cairn.proto.ReplicaMove.newBuilder().setFrom(r).setTo(to))
              .build();
        }
      }
      return null;
    }

    @Override
    public void getRouting(GetRoutingRequest req, StreamObserver<Routing> out) {
      rebalanceStep();
      routingCalls.computeIfAbsent(nodeId, n -> new AtomicInteger()).incrementAndGet();
      out.onNext(Routing.newBuilder().setMap(map.get()).putAllLeaders(reportedLeaders).build());
      out.onCompleted();
    }

    @Override
    public void getShardMap(GetShardMapRequest req, StreamObserver<ShardMap> out) {
      out.onNext(map.get());
      out.onCompleted();
    }

    @Override
    public void markShardDigest(
        MarkShardDigestRequest req, StreamObserver<MarkShardDigestResponse> out) {
      int shard = req.getShardId();
      if (!actualLeaders.containsKey(shard)) {
        out.onError(
            Status.INVALID_ARGUMENT
                .withDescription("verify: the shard map has no shard " + shard)
                .asRuntimeException());
        return;
      }
      String leader = actualLeaders.get(shard);
      if (!leader.equals(nodeId)) {
        Metadata trailers = new Metadata();
        trailers.put(
            DETAIL_KEY,
            ErrorDetail.newBuilder()
                .setReason(ErrorDetail.Reason.NOT_LEADER)
                .setLeaderHint(leader)
                .setShardId(shard)
                .build());
        out.onError(
            Status.UNAVAILABLE
                .withDescription("verify: this node does not lead shard " + shard)
                .asRuntimeException(trailers));
        return;
      }
      long index = shardIndex.get(shard).incrementAndGet();
      out.onNext(
          MarkShardDigestResponse.newBuilder()
              .setShardId(shard)
              .setIndex(index)
              .setLeaderId(nodeId)
              .build());
      out.onCompleted();
    }

    @Override
    public void transferLeader(
        TransferLeaderRequest req, StreamObserver<TransferLeaderResponse> out) {
      ShardMap m = map.get();
      ShardMap.Builder next = m.toBuilder();
      for (int i = 0; i < next.getShardsCount(); i++) {
        ShardInfo s = next.getShards(i);
        if (s.getShardId() != req.getShardId()) {
          continue;
        }
        if (!s.getReplicasList().contains(req.getNodeId())) {
          out.onError(
              Status.INVALID_ARGUMENT
                  .withDescription(
                      "leader transfer: shard "
                          + s.getShardId()
                          + " has no replica on node '"
                          + req.getNodeId()
                          + "'")
                  .asRuntimeException());
          return;
        }
        List<String> replicas = new ArrayList<>(s.getReplicasList());
        replicas.remove(req.getNodeId());
        replicas.add(0, req.getNodeId());
        next.setShards(i, s.toBuilder().clearReplicas().addAllReplicas(replicas));
        next.setEpoch(m.getEpoch() + 1);
        map.set(next.build());
        setLeader(s.getShardId(), req.getNodeId());
        out.onNext(
            TransferLeaderResponse.newBuilder()
                .setShardId(s.getShardId())
                .setNodeId(req.getNodeId())
                .setMapEpoch(m.getEpoch() + 1)
                .build());
        out.onCompleted();
        return;
      }
      out.onError(
          Status.INVALID_ARGUMENT
              .withDescription("leader transfer: no shard " + req.getShardId())
              .asRuntimeException());
    }

    @Override
    public void getReplicaDigest(GetReplicaDigestRequest req, StreamObserver<ReplicaDigest> out) {
      int shard = req.getShardId();
      ReplicaDigest.Builder d =
          ReplicaDigest.newBuilder().setNodeId(nodeId).setShardId(shard).setIndex(req.getIndex());
      boolean holds =
          map.get().getShardsList().stream()
              .anyMatch(s -> s.getShardId() == shard && s.getReplicasList().contains(nodeId));
      if (!holds) {
        out.onNext(d.setState(ReplicaDigest.State.NO_REPLICA).build());
      } else {
        String state =
            clusterId
                + "/"
                + shard
                + "/"
                + req.getIndex()
                + (corruptReplicas.contains(nodeId + "/" + shard) ? "/corrupt" : "");
        try {
          byte[] digest =
              java.security.MessageDigest.getInstance("SHA-256")
                  .digest(state.getBytes(StandardCharsets.UTF_8));
          out.onNext(
              d.setState(ReplicaDigest.State.RECORDED)
                  .setDigest(ByteString.copyFrom(digest))
                  .setKeys(store.size())
                  .build());
        } catch (java.security.NoSuchAlgorithmException e) {
          throw new IllegalStateException(e);
        }
      }
      out.onCompleted();
    }

    @Override
    public void getNodeStatus(GetNodeStatusRequest req, StreamObserver<NodeStatus> out) {
      out.onNext(statusOf(nodeId));
      out.onCompleted();
    }

    @Override
    public void getClusterStatus(GetClusterStatusRequest req, StreamObserver<ClusterStatus> out) {
      ClusterStatus.Builder b = ClusterStatus.newBuilder();
      for (NodeInfo n : nodes) {
        if (servers.containsKey(n.getId())) {
          b.addNodes(statusOf(n.getId()));
        } else {
          b.putUnreachable(
              n.getId(), unreachableReasons.getOrDefault(n.getId(), "connection refused"));
        }
      }
      out.onNext(b.build());
      out.onCompleted();
    }
  }

  private NodeStatus statusOf(String nodeId) {
    NodeStatus.Builder b =
        NodeStatus.newBuilder()
            .setNodeId(nodeId)
            .setMapEpoch(map.get().getEpoch())
            .setUptimeMs(61_000);
    boolean metaLeader =
        nodes.stream().map(NodeInfo::getId).filter(servers::containsKey).findFirst().stream()
            .anyMatch(nodeId::equals);
    if (metaLeader) {
      b.putAllDownSinceUnixMs(downSinceUnixMs);
    }
    for (ShardInfo s : map.get().getShardsList()) {
      if (s.getReplicasList().contains(nodeId)) {
        long index = shardIndex.get(s.getShardId()).get();
        String leader = actualLeaders.get(s.getShardId());
        b.addReplicas(
            ReplicaStatus.newBuilder()
                .setShardId(s.getShardId())
                .setRole(leader.equals(nodeId) ? "LEADER" : "FOLLOWER")
                .setLeaderId(leader)
                .setTerm(3)
                .setCommitIndex(index)
                .setAppliedIndex(index)
                .setSnapshotIndex(0)
                .setKeys(store.size()));
      }
    }
    return b.build();
  }
}

package io.cairn.client;

import com.google.protobuf.ByteString;
import io.cairn.proto.AddNodeRequest;
import io.cairn.proto.AuthChange;
import io.cairn.proto.AuthGrpc;
import io.cairn.proto.AuthListing;
import io.cairn.proto.ClusterGrpc;
import io.cairn.proto.ClusterStatus;
import io.cairn.proto.Consistency;
import io.cairn.proto.DeleteRequest;
import io.cairn.proto.DeleteResponse;
import io.cairn.proto.DeleteRoleRequest;
import io.cairn.proto.DeleteUserRequest;
import io.cairn.proto.GetClusterStatusRequest;
import io.cairn.proto.GetReplicaDigestRequest;
import io.cairn.proto.GetRequest;
import io.cairn.proto.GetResponse;
import io.cairn.proto.GetRoutingRequest;
import io.cairn.proto.KvGrpc;
import io.cairn.proto.ListAuthRequest;
import io.cairn.proto.MarkShardDigestRequest;
import io.cairn.proto.MarkShardDigestResponse;
import io.cairn.proto.MoveReplicaRequest;
import io.cairn.proto.NodeInfo;
import io.cairn.proto.NodeState;
import io.cairn.proto.PutRequest;
import io.cairn.proto.PutResponse;
import io.cairn.proto.PutRoleRequest;
import io.cairn.proto.PutUserRequest;
import io.cairn.proto.RemoveNodeRequest;
import io.cairn.proto.ReplicaDigest;
import io.cairn.proto.Role;
import io.cairn.proto.Routing;
import io.cairn.proto.SetNodeStateRequest;
import io.cairn.proto.ShardMap;
import io.cairn.proto.TransferLeaderRequest;
import io.cairn.proto.TransferLeaderResponse;
import io.cairn.proto.WriteId;
import io.grpc.Deadline;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The asynchronous Cairn client: put, get, delete and compare-and-set on byte keys, routed straight
 * to each key's shard leader.
 *
 * <p>How an operation runs: the key's shard comes from the cached shard map ({@link
 * io.cairn.proto.KeyRing}); the request goes to the shard's leader (writes, LINEARIZABLE reads) or
 * to a replica (SESSION and EVENTUAL reads). Failed attempts that may succeed on another try
 * (UNAVAILABLE, ABORTED, an attempt's own DEADLINE_EXCEEDED) are retried with jittered exponential
 * backoff until {@link ClientConfig#requestTimeoutMs()} has passed since the call. Every write
 * carries a {@link WriteId} that stays the same across its retries, so the cluster applies it at
 * most once. An attempt that a leader leaves unanswered for {@link ClientConfig#leaderStallMs()} (a
 * paused process keeps its connections open) is also sent to the shard's next leader once the
 * cluster names one ({@link StalledLeaderHedge}). Responses' session tokens are kept per shard and
 * sent with SESSION reads.
 *
 * <p>Results complete on the client's transport threads (the Netty event loops that read the
 * answers) or its retry thread. Do not block in a callback attached with {@code thenApply}, {@code
 * whenComplete} and the like: while it blocks, no answer on that connection is read, and a callback
 * that waits for another call of this client can wait out that call's whole deadline. Hand such
 * work to an executor of your own ({@code thenApplyAsync(fn, executor)}), or use {@link
 * BlockingCairnClient}, whose callers wait on their own threads. Failures complete the future with
 * a {@link CairnException} subtype ({@link VersionMismatchException}, {@link
 * InvalidRequestException}, {@link UnavailableException}, {@link DeadlineExceededException}).
 * Thread-safe; share one instance. {@link #close()} fails what is still running and closes the
 * channels.
 */
public final class CairnClient implements AutoCloseable {
  /** How long one node may take to send the routing, once the client has a map. */
  private static final long ROUTING_FETCH_TIMEOUT_MS = 1_000;

  private final ClientConfig config;
  private final NodeChannels channels;
  private final RoutingCache routing;
  private final RequestRouter router;
  private final AttemptSender sender;
  private final Retrier retrier;
  private final StalledLeaderHedge hedge;
  private final WriteIds writeIds;
  private final SessionTokens sessions = new SessionTokens();
  private final ScheduledExecutorService ownScheduler; // null when the config supplied one
  private volatile boolean closed;

  private CairnClient(ClientConfig config) {
    this.config = config;
    this.channels = new NodeChannels(config);
    byte[] clientId = new byte[16];
    config.random().nextBytes(clientId);
    this.writeIds = new WriteIds(clientId);
    AttemptSender routingFetcher = new AttemptSender(channels, RoutingFeedback.NONE);
    this.routing =
        new RoutingCache(
            config.endpoints(),
            endpoint ->
                routingFetcher.send(
                    "routing",
                    Target.anyNode(endpoint),
                    ClusterGrpc.getGetRoutingMethod(),
                    GetRoutingRequest.getDefaultInstance(),
                    Deadline.after(routingFetchTimeoutMs(), TimeUnit.MILLISECONDS)),
            config.nanoTime(),
            config.routingRefreshMsMin());
    this.router = new RequestRouter(routing, config.endpoints(), config.random().nextInt(1 << 16));
    this.sender = new AttemptSender(channels, routing);
    this.ownScheduler = config.scheduler().isPresent() ? null : newScheduler();
    this.retrier =
        new Retrier(
            config.nanoTime(),
            config.requestTimeoutMs(),
            config.attemptTimeoutMsMax(),
            new Backoff(config.retryBackoffMsMin(), config.retryBackoffMsMax(), config.random()),
            config.scheduler().orElse(ownScheduler));
    this.hedge =
        new StalledLeaderHedge(
            routing,
            config.scheduler().orElse(ownScheduler),
            config.nanoTime(),
            config.leaderStallMs());
  }

  /**
   * How long one node may take to send the routing. Once the client has a map, one second: the
   * answer is a small in-memory read, and a refresh stuck on a paused node would hold up every
   * refresh behind it (they are single-flight), which is how the client learns of a new leader. The
   * first fetch may wait for a connection and a login, so it gets the attempt timeout.
   */
  private long routingFetchTimeoutMs() {
    long max = config.attemptTimeoutMsMax();
    return this.routing.view() == null ? max : Math.min(max, ROUTING_FETCH_TIMEOUT_MS);
  }

  /**
   * A client for the cluster behind {@code config.endpoints()}. Does not wait for the cluster: the
   * routing is fetched in the background now and awaited by the first operation.
   */
  public static CairnClient connect(ClientConfig config) {
    CairnClient client = new CairnClient(Objects.requireNonNull(config, "config"));
    client.routing.refreshSoon();
    return client;
  }

  public ClientConfig config() {
    return config;
  }

  /** This client's 16-byte id, as sent in every {@link WriteId}. */
  public byte[] clientId() {
    return writeIds.clientId().toByteArray();
  }

  // ---- writes ----

  /** Sets {@code key} to {@code value} unconditionally. */
  public CompletableFuture<PutResult> put(byte[] key, byte[] value) {
    return put(key, value, null);
  }

  /**
   * Compare-and-set: sets {@code key} only if its version is {@code expectedVersion} (0: only if
   * the key does not exist); otherwise fails with {@link VersionMismatchException}.
   */
  public CompletableFuture<PutResult> put(byte[] key, byte[] value, long expectedVersion) {
    return put(key, value, checkedVersion(expectedVersion));
  }

  public CompletableFuture<PutResult> put(String key, String value) {
    return put(utf8(key), utf8(value));
  }

  public CompletableFuture<PutResult> put(String key, String value, long expectedVersion) {
    return put(utf8(key), utf8(value), expectedVersion);
  }

  private CompletableFuture<PutResult> put(byte[] key, byte[] value, Long expectedVersion) {
    ByteString k = ByteString.copyFrom(Objects.requireNonNull(key, "key"));
    ByteString v = ByteString.copyFrom(Objects.requireNonNull(value, "value"));
    return write(
        "put",
        key,
        id -> {
          PutRequest.Builder b = PutRequest.newBuilder().setKey(k).setValue(v).setWriteId(id);
          if (expectedVersion != null) {
            b.setExpectedVersion(expectedVersion);
          }
          return b.build();
        },
        KvGrpc.getPutMethod(),
        (PutResponse r) -> {
          sessions.observe(r.getToken());
          return new PutResult(r.getVersion());
        });
  }

  /** Deletes {@code key} unconditionally (deleting a missing key succeeds with existed=false). */
  public CompletableFuture<DeleteResult> delete(byte[] key) {
    return delete(key, null);
  }

  /**
   * Deletes {@code key} only if its version is {@code expectedVersion}; otherwise {@link
   * VersionMismatchException}.
   */
  public CompletableFuture<DeleteResult> delete(byte[] key, long expectedVersion) {
    return delete(key, checkedVersion(expectedVersion));
  }

  public CompletableFuture<DeleteResult> delete(String key) {
    return delete(utf8(key));
  }

  public CompletableFuture<DeleteResult> delete(String key, long expectedVersion) {
    return delete(utf8(key), expectedVersion);
  }

  private CompletableFuture<DeleteResult> delete(byte[] key, Long expectedVersion) {
    ByteString k = ByteString.copyFrom(Objects.requireNonNull(key, "key"));
    return write(
        "delete",
        key,
        id -> {
          DeleteRequest.Builder b = DeleteRequest.newBuilder().setKey(k).setWriteId(id);
          if (expectedVersion != null) {
            b.setExpectedVersion(expectedVersion);
          }
          return b.build();
        },
        KvGrpc.getDeleteMethod(),
        (DeleteResponse r) -> {
          sessions.observe(r.getToken());
          return new DeleteResult(r.getExisted(), r.getIndex());
        });
  }

  /**
   * One write: a WriteId for all attempts, released once the write is over, whatever the outcome.
   */
  private <Q, R, T> CompletableFuture<T> write(
      String op,
      byte[] key,
      Function<WriteId, Q> request,
      MethodDescriptor<Q, R> method,
      Function<R, T> result) {
    if (closed) {
      return CompletableFuture.failedFuture(ErrorMapping.clientClosed(op, null));
    }
    WriteId id = writeIds.begin();
    Q req = request.apply(id);
    CompletableFuture<T> done =
        retrier
            .run(
                op,
                (attempt, timeoutMs) -> {
                  Deadline deadline = Deadline.after(timeoutMs, TimeUnit.MILLISECONDS);
                  return routed(
                      op,
                      deadline,
                      view ->
                          hedge.send(
                              router.toLeader(view, key),
                              target -> sender.send(op, target, method, req, deadline)));
                })
            .thenApply(result);
    // whenComplete's future completes after answered(): a caller that saw this write finish
    // starts its next write with acked_below past it.
    return done.whenComplete((r, e) -> writeIds.answered(id));
  }

  // ---- reads ----

  /**
   * A LINEARIZABLE read of {@code key}. A missing key is a result with found=false, not an error.
   */
  public CompletableFuture<GetResult> get(byte[] key) {
    return get(key, Consistency.LINEARIZABLE);
  }

  public CompletableFuture<GetResult> get(String key) {
    return get(utf8(key));
  }

  public CompletableFuture<GetResult> get(String key, Consistency consistency) {
    return get(utf8(key), consistency);
  }

  /**
   * Reads {@code key} at {@code consistency}: LINEARIZABLE from the leader; SESSION from any
   * replica that has caught up with everything this client has seen of the key's shard; EVENTUAL
   * from any replica.
   */
  public CompletableFuture<GetResult> get(byte[] key, Consistency consistency) {
    Objects.requireNonNull(key, "key");
    if (consistency == null || consistency == Consistency.UNRECOGNIZED) {
      throw new IllegalArgumentException(
          "get: consistency must be LINEARIZABLE, SESSION or EVENTUAL");
    }
    if (closed) {
      return CompletableFuture.failedFuture(ErrorMapping.clientClosed("get", null));
    }
    ByteString k = ByteString.copyFrom(key);
    return retrier
        .run(
            "get",
            (attempt, timeoutMs) -> {
              Deadline deadline = Deadline.after(timeoutMs, TimeUnit.MILLISECONDS);
              return routed(
                  "get",
                  deadline,
                  view -> {
                    Target target = router.forRead(view, key, consistency, attempt);
                    // Without the map the client cannot name the shard's token; a linearizable read
                    // is
                    // stronger than the session guarantee, so it stands in.
                    Consistency sent =
                        consistency == Consistency.SESSION && target.shardId() < 0
                            ? Consistency.LINEARIZABLE
                            : consistency;
                    GetRequest.Builder req = GetRequest.newBuilder().setKey(k).setConsistency(sent);
                    if (sent == Consistency.SESSION) {
                      req.setMinIndex(sessions.minIndex(target.shardId()))
                          .setTokenShardId(target.shardId())
                          .setMinMapEpoch(sessions.minMapEpoch());
                    }
                    GetRequest sentReq = req.build();
                    return sent == Consistency.LINEARIZABLE
                        ? hedge.send(
                            target,
                            t -> sender.send("get", t, KvGrpc.getGetMethod(), sentReq, deadline))
                        : sender.send("get", target, KvGrpc.getGetMethod(), sentReq, deadline);
                  });
            })
        .thenApply(
            (GetResponse r) -> {
              sessions.observe(r.getToken());
              return r.getFound()
                  ? new GetResult(true, r.getValue().toByteArray(), r.getVersion())
                  : GetResult.missing();
            });
  }

  // ---- cluster ----

  /** How many attempts the stalled-leader hedge is watching now; for tests. */
  int hedgeWatching() {
    return hedge.watching();
  }

  /** The routing requests go by now (null before the first fetch); for tests and diagnostics. */
  RoutingView routingView() {
    return routing.view();
  }

  /** Fetches the routing (shard map and known leaders) from the cluster now, and caches it. */
  public CompletableFuture<Routing> routing() {
    if (closed) {
      return CompletableFuture.failedFuture(ErrorMapping.clientClosed("routing", null));
    }
    return retrier
        .run("routing", (attempt, timeoutMs) -> routing.refresh())
        .thenApply(RoutingView::routing);
  }

  /** Fetches the current shard map. */
  public CompletableFuture<ShardMap> shardMap() {
    return routing().thenApply(Routing::getMap);
  }

  /**
   * How much longer than an attempt a digest marker may take: every replica hashes its whole state
   * as it applies one, the leader before it answers.
   */
  private static final long MARKER_APPLY_WAIT_MS = 30_000;

  /** Every node's status, gathered by whichever node answers. */
  public CompletableFuture<ClusterStatus> clusterStatus() {
    return clusterCall(
        "status",
        router::anyNode,
        ClusterGrpc.getGetClusterStatusMethod(),
        GetClusterStatusRequest.getDefaultInstance(),
        0);
  }

  /**
   * Places a digest marker in shard {@code shardId}'s log through its leader (retried, following
   * leader hints); every replica records its state's digest at the marker's index ({@link
   * #replicaDigest}). The check behind {@code cairnctl verify}.
   */
  public CompletableFuture<MarkShardDigestResponse> markShardDigest(int shardId) {
    // Every replica hashes its whole state as it applies the marker, the leader before it
    // answers: give the call that long rather than retry it and place one marker per retry.
    return clusterCall(
        "verify",
        view -> router.toShardLeader(view, shardId),
        ClusterGrpc.getMarkShardDigestMethod(),
        MarkShardDigestRequest.newBuilder().setShardId(shardId).build(),
        MARKER_APPLY_WAIT_MS);
  }

  /**
   * Makes {@code nodeId} the preferred leader of shard {@code shardId} (0: the meta group) in a new
   * map epoch; leadership follows once that replica has caught up. Completes when the map change
   * has committed; {@link #routing()} shows when the leader has moved.
   */
  public CompletableFuture<TransferLeaderResponse> transferLeader(int shardId, String nodeId) {
    return clusterCall(
        "leader transfer",
        router::anyNode,
        ClusterGrpc.getTransferLeaderMethod(),
        TransferLeaderRequest.newBuilder().setShardId(shardId).setNodeId(nodeId).build(),
        0);
  }

  /**
   * Adds a node to the cluster as an active member (a no-op if it is there with the same
   * addresses); the rebalancer then moves replicas onto it. Completes with the map after the
   * change.
   */
  public CompletableFuture<ShardMap> addNode(NodeInfo node) {
    return clusterCall(
        "node add",
        router::anyNode,
        ClusterGrpc.getAddNodeMethod(),
        AddNodeRequest.newBuilder().setNode(node).build(),
        0);
  }

  /** Sets a node DRAINING (everything moves off it) or ACTIVE again. */
  public CompletableFuture<ShardMap> setNodeState(String nodeId, NodeState state) {
    return clusterCall(
        "node " + (state == NodeState.NODE_DRAINING ? "drain" : "activate"),
        router::anyNode,
        ClusterGrpc.getSetNodeStateMethod(),
        SetNodeStateRequest.newBuilder().setNodeId(nodeId).setState(state).build(),
        0);
  }

  /**
   * Marks a node REMOVED. Refused (FAILED_PRECONDITION) while it holds replicas, unless {@code
   * force}, for a dead node whose replicas are then re-created elsewhere.
   */
  public CompletableFuture<ShardMap> removeNode(String nodeId, boolean force) {
    return clusterCall(
        "node remove",
        router::anyNode,
        ClusterGrpc.getRemoveNodeMethod(),
        RemoveNodeRequest.newBuilder().setNodeId(nodeId).setForce(force).build(),
        0);
  }

  /**
   * Starts moving shard {@code shardId}'s replica (0: the meta group) from {@code from} to {@code
   * to}, or with {@code cancel} clears the shard's move. Completes once the move is recorded; the
   * map shows it until it finishes.
   */
  /**
   * Adds one shard (docs/shard-split.md): completes with the map that adds it, filling; it serves
   * once a later map clears {@code filling}.
   */
  public CompletableFuture<ShardMap> addShard() {
    return clusterCall(
        "shard add",
        router::anyNode,
        ClusterGrpc.getAddShardMethod(),
        io.cairn.proto.AddShardRequest.getDefaultInstance(),
        0);
  }

  public CompletableFuture<ShardMap> moveReplica(
      int shardId, String from, String to, boolean cancel) {
    return clusterCall(
        "shard move",
        router::anyNode,
        ClusterGrpc.getMoveReplicaMethod(),
        MoveReplicaRequest.newBuilder()
            .setShardId(shardId)
            .setFrom(from)
            .setTo(to)
            .setCancel(cancel)
            .build(),
        0);
  }

  /**
   * Creates user {@code name} or replaces its roles (and its password, unless {@code password} is
   * empty). Needs the role root once auth is on. Completes with the map epoch that carries it.
   */
  public CompletableFuture<AuthChange> putUser(String name, String password, List<String> roles) {
    return clusterCall(
        "user put",
        router::anyNode,
        AuthGrpc.getPutUserMethod(),
        PutUserRequest.newBuilder().setName(name).setPassword(password).addAllRoles(roles).build(),
        0);
  }

  public CompletableFuture<AuthChange> deleteUser(String name) {
    return clusterCall(
        "user delete",
        router::anyNode,
        AuthGrpc.getDeleteUserMethod(),
        DeleteUserRequest.newBuilder().setName(name).build(),
        0);
  }

  /** Creates a role or replaces its permissions. */
  public CompletableFuture<AuthChange> putRole(Role role) {
    return clusterCall(
        "role put",
        router::anyNode,
        AuthGrpc.getPutRoleMethod(),
        PutRoleRequest.newBuilder().setRole(role).build(),
        0);
  }

  /** Deletes a role and takes it from every user that had it. */
  public CompletableFuture<AuthChange> deleteRole(String name) {
    return clusterCall(
        "role delete",
        router::anyNode,
        AuthGrpc.getDeleteRoleMethod(),
        DeleteRoleRequest.newBuilder().setName(name).build(),
        0);
  }

  /** Every user (names and roles, never passwords) and role. */
  public CompletableFuture<AuthListing> listAuth() {
    return clusterCall(
        "auth list",
        router::anyNode,
        AuthGrpc.getListAuthMethod(),
        ListAuthRequest.getDefaultInstance(),
        0);
  }

  /**
   * Node {@code nodeId}'s replica's digest at the digest marker at {@code index}, waiting up to
   * {@code waitMs} on the node for the replica to apply it. Fails with {@link
   * InvalidRequestException} if the shard map names no such node.
   */
  public CompletableFuture<ReplicaDigest> replicaDigest(
      String nodeId, int shardId, long index, int waitMs) {
    return clusterCall(
        "verify",
        view -> {
          if (view == null) {
            // No map yet to find the node by: retryable, unlike a map that does not name it.
            throw ErrorMapping.of(
                "verify",
                Status.Code.UNAVAILABLE,
                "no shard map yet to find node '" + nodeId + "' by",
                null,
                null);
          }
          return router
              .toNode(view, nodeId)
              .orElseThrow(
                  () ->
                      ErrorMapping.of(
                          "verify",
                          Status.Code.INVALID_ARGUMENT,
                          "the shard map names no node '" + nodeId + "'",
                          null,
                          null));
        },
        ClusterGrpc.getGetReplicaDigestMethod(),
        GetReplicaDigestRequest.newBuilder()
            .setShardId(shardId)
            .setIndex(index)
            .setWaitMs(waitMs)
            .build(),
        waitMs);
  }

  /**
   * A call of the Cluster service, retried within the request timeout; each attempt goes where
   * {@code target} says (it may throw a {@link CairnException} to fail the call) and may run {@code
   * serverWaitMs} longer than the attempt timeout, for calls that wait on the server.
   */
  private <Q, R> CompletableFuture<R> clusterCall(
      String op,
      Function<RoutingView, Target> target,
      MethodDescriptor<Q, R> method,
      Q request,
      long serverWaitMs) {
    if (closed) {
      return CompletableFuture.failedFuture(ErrorMapping.clientClosed(op, null));
    }
    return retrier.run(
        op,
        (attempt, timeoutMs) -> {
          Deadline deadline = Deadline.after(timeoutMs + serverWaitMs, TimeUnit.MILLISECONDS);
          return routed(
              op,
              deadline,
              view -> {
                Target where;
                try {
                  where = target.apply(view);
                } catch (CairnException e) {
                  return CompletableFuture.failedFuture(e);
                }
                return sender.send(op, where, method, request, deadline);
              });
        });
  }

  /**
   * Runs {@code send} with the routing view (null if none could be had); fails the attempt instead
   * when waiting for the first routing used up its time, as sending then could only time out.
   */
  private <R> CompletableFuture<R> routed(
      String op, Deadline deadline, Function<RoutingView, CompletableFuture<R>> send) {
    return router
        .view(deadline)
        .thenCompose(
            view ->
                view == null && deadline.isExpired()
                    ? CompletableFuture.failedFuture(
                        ErrorMapping.of(
                            op,
                            Status.Code.DEADLINE_EXCEEDED,
                            "no node of " + config.endpoints() + " sent the shard map in time",
                            null,
                            null))
                    : send.apply(view));
  }

  /**
   * Fails operations still running with a CANCELLED {@link CairnException} and closes every
   * channel.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    retrier.failAll(ErrorMapping.clientClosed(null, null));
    channels.close();
    if (ownScheduler != null) {
      ownScheduler.shutdownNow();
    }
  }

  private static Long checkedVersion(long expectedVersion) {
    if (expectedVersion < 0) {
      throw new IllegalArgumentException(
          "expected version is "
              + expectedVersion
              + "; use 0 for 'must not exist' or a version the key had");
    }
    return expectedVersion;
  }

  private static byte[] utf8(String s) {
    return Objects.requireNonNull(s).getBytes(StandardCharsets.UTF_8);
  }

  private static ScheduledExecutorService newScheduler() {
    ScheduledThreadPoolExecutor s =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "cairn-client-retry");
              t.setDaemon(true);
              return t;
            });
    s.setRemoveOnCancelPolicy(true);
    return s;
  }
}

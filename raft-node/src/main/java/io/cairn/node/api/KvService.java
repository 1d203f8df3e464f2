package io.cairn.node.api;

import com.google.protobuf.ByteString;
import io.cairn.node.ops.NodeMetrics;
import io.cairn.node.ops.RequestTimers;
import io.cairn.node.read.ShardReads;
import io.cairn.node.routing.LeaderHints;
import io.cairn.node.routing.ShardDirectory;
import io.cairn.node.routing.ShardDirectory.Route;
import io.cairn.node.runtime.NodeClock;
import io.cairn.node.runtime.Scheduler;
import io.cairn.node.security.ValueCipher;
import io.cairn.node.write.ShardWrites;
import io.cairn.node.write.ShardWrites.WriteOutcome;
import io.cairn.proto.Access;
import io.cairn.proto.Consistency;
import io.cairn.proto.DeleteRequest;
import io.cairn.proto.DeleteResponse;
import io.cairn.proto.ErrorDetail;
import io.cairn.proto.GetRequest;
import io.cairn.proto.GetResponse;
import io.cairn.proto.KvGrpc;
import io.cairn.proto.PutRequest;
import io.cairn.proto.PutResponse;
import io.cairn.proto.SessionToken;
import io.cairn.proto.WireHeaders;
import io.cairn.proto.WriteId;
import io.cairn.proto.internal.Command;
import io.cairn.proto.internal.CommandResult;
import io.cairn.proto.internal.DeleteCommand;
import io.cairn.proto.internal.PutCommand;
import io.cairn.statemachine.AccessRules;
import io.cairn.statemachine.InvalidRequestException;
import io.cairn.statemachine.RequestLimits;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The public Kv service: validates each request before anything reaches a log, routes it to its
 * shard and turns the outcome into a response or a status (via {@link StatusMapping}).
 */
public final class KvService extends KvGrpc.KvImplBase {
  /** Longest client id taken: a client uses 16 random bytes; longer ones only cost memory. */
  static final int CLIENT_ID_BYTES_MAX = 64;

  private final ShardDirectory directory;
  private final ShardWrites writes;
  private final ShardReads reads;
  private final LeaderHints leaders;
  private final RequestLimits limits;
  // Seals values where a request enters the cluster and opens them where the answer leaves it;
  // forwarded calls carry the stored form between nodes.
  private final ValueCipher values;
  private final Callers callers;
  private final SessionQuota sessions;
  // A user's client ids are prefixed with this (writeIdFor); one entry per user that wrote.
  private final Map<String, ByteString> userScopes = new java.util.concurrent.ConcurrentHashMap<>();

  private final NodeClock clock;
  private final Scheduler scheduler;
  private final long defaultTimeoutMs;

  /** How often one call follows its key to a newer map after a split moved it. */
  private static final int REROUTES_MAX = 8;

  /** How long a call waits before it goes again after a node with an older map refused it. */
  private static final long REROUTE_BACKOFF_MS = 50;

  private final RequestTimers putTimers;
  private final RequestTimers deleteTimers;
  private final Map<Consistency, RequestTimers> getTimers = new EnumMap<>(Consistency.class);

  public KvService(
      ShardDirectory directory,
      ShardWrites writes,
      ShardReads reads,
      LeaderHints leaders,
      RequestLimits limits,
      ValueCipher values,
      Callers callers,
      SessionQuota sessions,
      NodeMetrics metrics,
      NodeClock clock,
      Scheduler scheduler,
      long defaultTimeoutMs) {
    this.values = values;
    this.callers = callers;
    this.sessions = sessions;
    this.directory = directory;
    this.writes = writes;
    this.reads = reads;
    this.leaders = leaders;
    this.limits = limits;
    this.clock = clock;
    this.scheduler = scheduler;
    this.defaultTimeoutMs = defaultTimeoutMs;
    this.putTimers = metrics.requests("put", "-");
    this.deleteTimers = metrics.requests("delete", "-");
    for (Consistency c : Consistency.values()) {
      getTimers.put(c, metrics.requests("get", c.name().toLowerCase(Locale.ROOT)));
    }
  }

  @Override
  public void put(PutRequest req, StreamObserver<PutResponse> out) {
    Call<PutResponse> call = new Call<>("put", putTimers, out);
    byte[] key = req.getKey().toByteArray();
    boolean forwarded = ForwardedCalls.current();
    try {
      limits.checkKey("put", key);
      if (forwarded) {
        limits.checkValueLength("put", Math.max(0, req.getValue().size() - ValueCipher.OVERHEAD));
      } else {
        limits.checkValue("put", req.getValue().toByteArray());
      }
    } catch (InvalidRequestException e) {
      call.fail(StatusMapping.fromFailure(e, "put", 0, null, 0, false));
      return;
    }
    Callers.Caller caller = Callers.current();
    WriteId writeId = writeIdFor("put", caller, req.getWriteId(), forwarded, call);
    if (writeId == null
        || !mayAccess("put", caller, key, Access.READ_WRITE, forwarded, call)
        || !admitSession("put", caller, req.getWriteId().getClientId(), forwarded, call)) {
      return;
    }
    ByteString stored = forwarded ? req.getValue() : values.seal(req.getKey(), req.getValue());
    PutCommand.Builder put = PutCommand.newBuilder().setKey(req.getKey()).setValue(stored);
    if (req.hasExpectedVersion()) {
      put.setExpectedVersion(req.getExpectedVersion());
    }
    Command cmd = Command.newBuilder().setPut(put).setWriteId(writeId).build();
    write(
        call,
        key,
        cmd,
        req.hasExpectedVersion() ? req.getExpectedVersion() : -1,
        (route, o) ->
            PutResponse.newBuilder()
                .setVersion(o.result().getPutVersion())
                .setToken(token(route, o.index()))
                .build());
  }

  @Override
  public void delete(DeleteRequest req, StreamObserver<DeleteResponse> out) {
    Call<DeleteResponse> call = new Call<>("delete", deleteTimers, out);
    byte[] key = req.getKey().toByteArray();
    try {
      limits.checkKey("delete", key);
    } catch (InvalidRequestException e) {
      call.fail(StatusMapping.fromFailure(e, "delete", 0, null, 0, false));
      return;
    }
    boolean forwarded = ForwardedCalls.current();
    Callers.Caller caller = Callers.current();
    WriteId writeId = writeIdFor("delete", caller, req.getWriteId(), forwarded, call);
    if (writeId == null
        || !mayAccess("delete", caller, key, Access.READ_WRITE, forwarded, call)
        || !admitSession("delete", caller, req.getWriteId().getClientId(), forwarded, call)) {
      return;
    }
    DeleteCommand.Builder del = DeleteCommand.newBuilder().setKey(req.getKey());
    if (req.hasExpectedVersion()) {
      del.setExpectedVersion(req.getExpectedVersion());
    }
    Command cmd = Command.newBuilder().setDelete(del).setWriteId(writeId).build();
    write(
        call,
        key,
        cmd,
        req.hasExpectedVersion() ? req.getExpectedVersion() : -1,
        (route, o) ->
            DeleteResponse.newBuilder()
                .setExisted(o.result().getDeleted().getExisted())
                .setIndex(deleteIndex(o))
                .setToken(token(route, o.index()))
                .build());
  }

  private <R> void write(
      Call<R> call,
      byte[] key,
      Command cmd,
      long expected,
      java.util.function.BiFunction<Route, WriteOutcome, R> toResponse) {
    write(call, key, cmd, expected, toResponse, ForwardedCalls.current(), REROUTES_MAX);
  }

  private <R> void write(
      Call<R> call,
      byte[] key,
      Command cmd,
      long expected,
      java.util.function.BiFunction<Route, WriteOutcome, R> toResponse,
      boolean forwarded,
      int reroutesLeft) {
    Route route = directory.route(key);
    long timeoutMs = call.timeoutMs();
    Runnable again = () -> write(call, key, cmd, expected, toResponse, forwarded, reroutesLeft - 1);
    writes
        .write(route, cmd, timeoutMs, forwarded)
        .whenComplete(
            (outcome, error) -> {
              String leader = leaders.leaderOf(route.groupId()).orElse(null);
              call.leader.set(leader);
              if (error != null) {
                StatusRuntimeException failed =
                    StatusMapping.fromFailure(
                        error, call.op, route.shardId(), leader, timeoutMs, call.deadlinePassed());
                if (StatusMapping.isShardMoved(failed) && !forwarded && reroutesLeft > 0) {
                  afterNewerMap(call, route, again, failed);
                } else {
                  call.fail(failed);
                }
                return;
              }
              CommandResult r = outcome.result();
              switch (r.getOutcomeCase()) {
                case MISMATCH ->
                    call.fail(
                        StatusMapping.versionMismatch(
                            call.op,
                            route.shardId(),
                            expected,
                            r.getMismatch().getCurrentVersion(),
                            r.getMismatch().getExists()));
                case STALE_DUPLICATE -> call.fail(StatusMapping.staleDuplicate(call.op));
                case NOT_SERVED -> {
                  StatusRuntimeException moved =
                      StatusMapping.shardMoved(
                          call.op, route.shardId(), r.getNotServed(), route.epoch());
                  if (!forwarded && reroutesLeft > 0) {
                    afterNewerMap(call, route, again, moved);
                  } else {
                    call.fail(moved);
                  }
                }
                case PUT_VERSION, DELETED -> call.succeed(toResponse.apply(route, outcome));
                default -> call.fail(StatusMapping.emptyResult(call.op, route.shardId()));
              }
            });
  }

  /**
   * A split moved the call's key away from the shard this node's map routed it to (the shard
   * refused it, so nothing was applied there, nor ever will be): once this node follows a newer
   * map, which is when the new shard serves, {@code again} runs the call anew; if none comes within
   * the call's time, it fails with {@code moved} (retryable). Forwarded calls are not waited on
   * here: the node that forwarded them waits.
   */
  private void afterNewerMap(
      Call<?> call, Route route, Runnable again, StatusRuntimeException moved) {
    long leftMs = call.budgetLeftMs();
    if (leftMs <= 0 || call.deadlinePassed()) {
      call.fail(moved);
      return;
    }
    ErrorDetail detail =
        moved.getTrailers() == null ? null : moved.getTrailers().get(WireHeaders.ERROR_DETAIL);
    if (detail != null && detail.getMapEpoch() < route.epoch()) {
      // Refused by a node that routed by an older map than this one (a forwarded call): that node
      // catches up in a moment, so try again shortly rather than wait for a map newer than ours.
      scheduler.schedule(again, Math.min(REROUTE_BACKOFF_MS, leftMs));
      return;
    }
    scheduler
        .withTimeout(directory.newerThan(route.epoch()), leftMs)
        .whenComplete(
            (map, e) -> {
              if (e != null || call.deadlinePassed()) {
                call.fail(moved);
              } else {
                scheduler.schedule(again, 0);
              }
            });
  }

  @Override
  public void get(GetRequest req, StreamObserver<GetResponse> out) {
    Call<GetResponse> call = new Call<>("get", getTimers.get(req.getConsistency()), out);
    byte[] key = req.getKey().toByteArray();
    try {
      limits.checkKey("get", key);
    } catch (InvalidRequestException e) {
      call.fail(StatusMapping.fromFailure(e, "get", 0, null, 0, false));
      return;
    }
    if (req.getConsistency() == Consistency.UNRECOGNIZED) {
      call.fail(StatusMapping.unknownConsistency("get", req.getConsistencyValue()));
      return;
    }
    boolean forwarded = ForwardedCalls.current();
    if (!mayAccess("get", Callers.current(), key, Access.READ, forwarded, call)) {
      return;
    }
    read(call, req, key, forwarded, REROUTES_MAX);
  }

  private void read(
      Call<GetResponse> call, GetRequest req, byte[] key, boolean forwarded, int reroutesLeft) {
    Route route = directory.route(key);
    long timeoutMs = call.timeoutMs();
    Consistency consistency = req.getConsistency();
    if (consistency == Consistency.SESSION
        && ((req.getTokenShardId() != 0 && req.getTokenShardId() != route.shardId())
            || req.getMinMapEpoch() > route.epoch())) {
      // The client's map and this node's disagree about the key's shard, or the client's session
      // has seen a newer map than this node routes by (a split may have moved the key since, and
      // this node's replica of its old shard may not have applied the fence yet): an index of one
      // shard says nothing about another, so the leader answers.
      consistency = Consistency.LINEARIZABLE;
    }
    boolean linearizable = consistency == Consistency.LINEARIZABLE;
    Runnable again = () -> read(call, req, key, forwarded, reroutesLeft - 1);
    reads
        .read(route, key, consistency, req.getMinIndex(), timeoutMs, forwarded)
        .whenComplete(
            (r, error) -> {
              if (error != null) {
                StatusRuntimeException failed =
                    StatusMapping.fromFailure(
                        error,
                        "get",
                        route.shardId(),
                        leaders.leaderOf(route.groupId()).orElse(null),
                        timeoutMs,
                        call.deadlinePassed());
                if (StatusMapping.isShardMoved(failed) && !forwarded && reroutesLeft > 0) {
                  afterNewerMap(call, route, again, failed);
                } else {
                  call.fail(failed);
                }
                return;
              }
              if (r.hasNotServed()) {
                StatusRuntimeException moved =
                    StatusMapping.shardMoved(
                        "get", route.shardId(), r.getNotServed(), route.epoch());
                if (!forwarded && reroutesLeft > 0) {
                  afterNewerMap(call, route, again, moved);
                } else {
                  call.fail(moved);
                }
                return;
              }
              if (linearizable) {
                call.leader.set(leaders.leaderOf(route.groupId()).orElse(null));
              }
              GetResponse.Builder b =
                  GetResponse.newBuilder()
                      .setFound(r.getFound())
                      .setToken(token(route, r.getAppliedIndex()));
              if (r.getFound()) {
                try {
                  b.setValue(forwarded ? r.getValue() : values.open(req.getKey(), r.getValue()))
                      .setVersion(r.getVersion());
                } catch (ValueCipher.CorruptValueException e) {
                  call.fail(
                      Status.DATA_LOSS
                          .withDescription("get: shard " + route.shardId() + ": " + e.getMessage())
                          .asRuntimeException());
                  return;
                }
              }
              call.succeed(b.build());
            });
  }

  /**
   * Whether the caller may touch {@code key}; fails the call PERMISSION_DENIED if not. A forwarded
   * call was checked where it entered the cluster (and only members may forward, Callers).
   */
  private boolean mayAccess(
      String op, Callers.Caller caller, byte[] key, Access need, boolean forwarded, Call<?> call) {
    if (forwarded) {
      return true;
    }
    if (callers.mayAccess(caller, key, need)) {
      return true;
    }
    call.fail(
        Status.PERMISSION_DENIED
            .withDescription(
                op
                    + ": "
                    + caller.describe()
                    + " may not "
                    + (need == Access.READ ? "read" : "write")
                    + " this key: none of its roles grants "
                    + need
                    + " on a prefix of it (cairnctl role put / user put)")
            .asRuntimeException());
    return false;
  }

  /**
   * The write id to log: the client's, checked, and for a user's call scoped to that user (a hash
   * of the name before the client's id), so a user who learns another's client id cannot write into
   * that session (answering its writes with its own results, or moving its acked_below past them).
   * Null, with the call failed INVALID_ARGUMENT, if the client id is too long to be one.
   */
  private WriteId writeIdFor(
      String op, Callers.Caller caller, WriteId id, boolean forwarded, Call<?> call) {
    if (forwarded) {
      return id; // scoped where it entered the cluster
    }
    ByteString clientId = id.getClientId();
    if (clientId.size() > CLIENT_ID_BYTES_MAX) {
      call.fail(
          Status.INVALID_ARGUMENT
              .withDescription(
                  op
                      + ": write_id.client_id is "
                      + clientId.size()
                      + " bytes; at most "
                      + CLIENT_ID_BYTES_MAX
                      + " (a client uses 16 random bytes)")
              .asRuntimeException());
      return null;
    }
    if (caller.unrestricted() || clientId.isEmpty()) {
      return id;
    }
    ByteString scope = userScopes.computeIfAbsent(caller.user(), AccessRules::sessionScopeOf);
    return id.toBuilder().setClientId(scope.concat(clientId)).build();
  }

  /**
   * Whether the caller may write under {@code clientId} ({@link SessionQuota}); fails the call
   * RESOURCE_EXHAUSTED if not. Members, callers while auth is off, forwarded calls (counted where
   * they entered) and writes without a client id are not counted.
   */
  private boolean admitSession(
      String op, Callers.Caller caller, ByteString clientId, boolean forwarded, Call<?> call) {
    if (forwarded || caller.unrestricted() || clientId.isEmpty()) {
      return true;
    }
    if (sessions.admit(caller.user(), clientId)) {
      return true;
    }
    call.fail(
        Status.RESOURCE_EXHAUSTED
            .withDescription(
                op
                    + ": "
                    + caller.describe()
                    + " has started "
                    + sessions.perCallerMax()
                    + " client sessions on this node within an hour"
                    + " (limits.sessions-per-caller-max); reuse one client per process")
            .asRuntimeException());
    return false;
  }

  /**
   * Where the delete sits in its key's history: the index it was applied at, which differs from the
   * entry's when this was a retry answered from the stored first result. Results stored by older
   * nodes lack it; their entry index is the best there is.
   */
  private static long deleteIndex(WriteOutcome o) {
    long applied = o.result().getDeleted().getIndex();
    return applied > 0 ? applied : o.index();
  }

  private static SessionToken token(Route route, long index) {
    return SessionToken.newBuilder()
        .setShardId(route.shardId())
        .setIndex(index)
        .setMapEpoch(route.epoch())
        .build();
  }

  /** One RPC in flight: its deadline, its metrics and its single completion. */
  private final class Call<R> {
    final String op;
    final RequestTimers timers;
    final StreamObserver<R> out;
    final Deadline deadline = Context.current().getDeadline();
    final AtomicReference<String> leader = LeaderHintInterceptor.slot();
    final long startNanos = clock.nanoTime();

    Call(String op, RequestTimers timers, StreamObserver<R> out) {
      this.op = op;
      this.timers = timers;
      this.out = out;
    }

    long timeoutMs() {
      if (deadline == null) {
        return defaultTimeoutMs;
      }
      return Math.max(1, Math.min(defaultTimeoutMs, deadline.timeRemaining(TimeUnit.MILLISECONDS)));
    }

    boolean deadlinePassed() {
      return deadline != null && deadline.isExpired();
    }

    /**
     * What is left of the call's time, counted from its start: re-runs after a split share it
     * (timeoutMs alone starts afresh when the caller set no deadline).
     */
    long budgetLeftMs() {
      long spentMs = TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - startNanos);
      return Math.min(timeoutMs(), defaultTimeoutMs - spentMs);
    }

    void succeed(R response) {
      timers.succeeded(clock.nanoTime() - startNanos);
      try {
        out.onNext(response);
        out.onCompleted();
      } catch (StatusRuntimeException | IllegalStateException e) {
        // The call was cancelled by the client meanwhile; nothing to send.
      }
    }

    void fail(StatusRuntimeException e) {
      timers.failed(e.getStatus().getCode().name(), clock.nanoTime() - startNanos);
      try {
        out.onError(e);
      } catch (IllegalStateException ignored) {
        // Already cancelled.
      }
    }
  }
}

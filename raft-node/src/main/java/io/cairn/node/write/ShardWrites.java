package io.cairn.node.write;

import io.cairn.node.config.NodeConfig;
import io.cairn.node.ops.RequestPathObserver;
import io.cairn.node.replica.RaftHost;
import io.cairn.node.replica.RaftReplies;
import io.cairn.node.routing.BetweenLeaders;
import io.cairn.node.routing.LeaderHints;
import io.cairn.node.routing.NotLeaderHereException;
import io.cairn.node.routing.ReforwardOnLeaderChange;
import io.cairn.node.routing.RequestForwarder;
import io.cairn.node.routing.ShardDirectory.Route;
import io.cairn.node.runtime.NodeClock;
import io.cairn.node.runtime.Scheduler;
import io.cairn.proto.DeleteRequest;
import io.cairn.proto.PutRequest;
import io.cairn.proto.WriteId;
import io.cairn.proto.internal.BatchResult;
import io.cairn.proto.internal.Command;
import io.cairn.proto.internal.CommandResult;
import io.cairn.proto.internal.DeleteCommand;
import io.cairn.proto.internal.DeleteOutcome;
import io.cairn.proto.internal.PutCommand;
import java.io.Closeable;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;

/**
 * Executes validated writes against the shard that owns them: through the shard's {@link
 * WriteBatcher} when this node is its ready leader, otherwise forwarded to the leader's node as the
 * same public call ({@link RequestForwarder}). A forwarded write that reaches a node that does not
 * lead fails as NOT_LEADER there, with a hint, and is never forwarded again. A forward still
 * waiting when this node learns of a new leader is sent once more ({@link
 * ReforwardOnLeaderChange}).
 */
public final class ShardWrites implements Closeable {
  /** A write's result with the log index that carried it. */
  public record WriteOutcome(CommandResult result, long index) {}

  private final NodeConfig config;
  private final RaftHost host;
  private final LeaderHints leaders;
  private final RequestForwarder forwarder;
  private final RequestPathObserver observer;
  private final NodeClock clock;
  private final Scheduler scheduler;
  private final BetweenLeaders betweenLeaders;
  private final ReforwardOnLeaderChange reforward;
  private final Map<RaftGroupId, WriteBatcher> batchers = new ConcurrentHashMap<>();
  private final NodeWriteIds ownIds;

  public ShardWrites(
      NodeConfig config,
      RaftHost host,
      LeaderHints leaders,
      RequestForwarder forwarder,
      RequestPathObserver observer,
      NodeClock clock,
      Scheduler scheduler) {
    this.config = config;
    this.host = host;
    this.leaders = leaders;
    this.forwarder = forwarder;
    this.observer = observer;
    this.clock = clock;
    this.scheduler = scheduler;
    this.betweenLeaders = BetweenLeaders.of(config, host, clock, scheduler);
    this.reforward = new ReforwardOnLeaderChange(host.leaderEvents(), leaders::leaderOf, clock);
    this.ownIds = NodeWriteIds.forNode(config.nodeId());
  }

  /**
   * Writes {@code command}.
   *
   * <p>A write that entered the cluster here without a client's write id gets one of this node's
   * ({@link NodeWriteIds}), as this node may try it more than once.
   *
   * @param forwarded the request was forwarded here by another node: serve it or fail it, never
   *     forward it again
   */
  public CompletableFuture<WriteOutcome> write(
      Route route, Command command, long timeoutMs, boolean forwarded) {
    if (forwarded || !command.getWriteId().getClientId().isEmpty()) {
      return writeWithId(route, command, timeoutMs, forwarded);
    }
    WriteId own = ownIds.assign();
    CompletableFuture<WriteOutcome> f =
        writeWithId(route, command.toBuilder().setWriteId(own).build(), timeoutMs, false);
    f.whenComplete((o, e) -> ownIds.release(own));
    return f;
  }

  private CompletableFuture<WriteOutcome> writeWithId(
      Route route, Command command, long timeoutMs, boolean forwarded) {
    // A forwarded write fails fast, as the node that forwarded it holds it across the election;
    // unless this node has just been elected, and will serve it in a moment.
    CompletableFuture<WriteOutcome> f =
        forwarded && !host.isLeaderNotReadyYet(route.groupId())
            ? writeOnce(route, command, timeoutMs, true)
            : betweenLeaders.run(
                route.groupId(), timeoutMs, left -> writeOnce(route, command, left, forwarded));
    return scheduler.withTimeout(f, timeoutMs);
  }

  private CompletableFuture<WriteOutcome> writeOnce(
      Route route, Command command, long timeoutMs, boolean forwarded) {
    if (host.isReadyLeader(route.groupId())) {
      return batcher(route.groupId(), route.shardId())
          .submit(command)
          .thenApply(a -> new WriteOutcome(a.result(), a.index()));
    } else {
      String leader = leaders.forwardTarget(route);
      if (forwarded || leader.equals(host.nodeId())) {
        return CompletableFuture.failedFuture(
            new NotLeaderHereException(
                "shard "
                    + route.shardId()
                    + ": this node ("
                    + host.nodeId()
                    + ") does not lead it right now"));
      }
      return reforward.watch(
          route.groupId(),
          leader,
          timeoutMs,
          forward(leader, route, command, timeoutMs),
          left -> writeWithId(route, command, left, false));
    }
  }

  private CompletableFuture<WriteOutcome> forward(
      String leader, Route route, Command command, long timeoutMs) {
    return switch (command.getOpCase()) {
      case PUT -> {
        PutCommand p = command.getPut();
        PutRequest.Builder req =
            PutRequest.newBuilder()
                .setKey(p.getKey())
                .setValue(p.getValue())
                .setWriteId(command.getWriteId());
        if (p.hasExpectedVersion()) {
          req.setExpectedVersion(p.getExpectedVersion());
        }
        yield forwarder
            .put(leader, route, req.build(), timeoutMs)
            .thenApply(
                r ->
                    new WriteOutcome(
                        CommandResult.newBuilder().setPutVersion(r.getVersion()).build(),
                        r.getToken().getIndex()));
      }
      case DELETE -> {
        DeleteCommand d = command.getDelete();
        DeleteRequest.Builder req =
            DeleteRequest.newBuilder().setKey(d.getKey()).setWriteId(command.getWriteId());
        if (d.hasExpectedVersion()) {
          req.setExpectedVersion(d.getExpectedVersion());
        }
        yield forwarder
            .delete(leader, route, req.build(), timeoutMs)
            .thenApply(
                r ->
                    new WriteOutcome(
                        CommandResult.newBuilder()
                            .setDeleted(
                                DeleteOutcome.newBuilder()
                                    .setExisted(r.getExisted())
                                    .setIndex(r.getIndex()))
                            .build(),
                        r.getToken().getIndex()));
      }
      case OP_NOT_SET ->
          throw new IllegalArgumentException("a write without an operation reached the write path");
    };
  }

  private WriteBatcher batcher(RaftGroupId gid, int shardId) {
    return batchers.computeIfAbsent(
        gid,
        g ->
            new WriteBatcher(
                shardId,
                entry ->
                    host.submitWrite(g, entry.toByteArray(), config.raft().requestTimeoutMs())
                        .thenApply(reply -> RaftReplies.parse(reply, BatchResult::parseFrom)),
                config.batch(),
                clock,
                observer,
                scheduler,
                config.raft().requestTimeoutMs()));
  }

  @Override
  public void close() {
    batchers
        .values()
        .forEach(b -> b.failQueued(new AlreadyClosedException("node is shutting down")));
  }
}

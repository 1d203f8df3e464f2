package io.cairn.node.write;

import io.cairn.node.config.NodeConfig;
import io.cairn.node.ops.RequestPathObserver;
import io.cairn.node.replica.RaftHost;
import io.cairn.node.replica.RaftReplies;
import io.cairn.node.routing.GroupClients;
import io.cairn.node.routing.ShardDirectory;
import io.cairn.node.routing.ShardDirectory.Route;
import io.cairn.node.runtime.NodeClock;
import io.cairn.node.runtime.Scheduler;
import io.cairn.proto.internal.BatchResult;
import io.cairn.proto.internal.Command;
import io.cairn.proto.internal.CommandBatch;
import io.cairn.proto.internal.CommandResult;
import java.io.Closeable;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * Executes validated writes against the shard that owns them: through the shard's
 * {@link WriteBatcher} when this node leads it, otherwise forwarded to the leader.
 */
public final class ShardWrites implements Closeable {
  /** A write's result with the log index that carried it. */
  public record WriteOutcome(CommandResult result, long index) {}

  private final NodeConfig config;
  private final RaftHost host;
  private final ShardDirectory directory;
  private final GroupClients forwarders;
  private final RequestPathObserver observer;
  private final NodeClock clock;
  private final Scheduler scheduler;
  private final Map<RaftGroupId, WriteBatcher> batchers = new ConcurrentHashMap<>();

  public ShardWrites(NodeConfig config, RaftHost host, ShardDirectory directory, GroupClients forwarders,
                     RequestPathObserver observer, NodeClock clock, Scheduler scheduler) {
    this.config = config;
    this.host = host;
    this.directory = directory;
    this.forwarders = forwarders;
    this.observer = observer;
    this.clock = clock;
    this.scheduler = scheduler;
  }

  public CompletableFuture<WriteOutcome> write(Route route, Command command, long timeoutMs) {
    CompletableFuture<WriteOutcome> f;
    if (host.isReadyLeader(route.groupId())) {
      f = batcher(route.groupId()).submit(command)
          .thenApply(a -> new WriteOutcome(a.result(), a.index()));
    } else {
      byte[] entry = CommandBatch.newBuilder().addCommands(command)
          .setProposedAtMs(clock.wallMs()).build().toByteArray();
      f = forwarders.client(route.shard(), directory.map()).async()
          .send(Message.valueOf(UnsafeByteOperations.unsafeWrap(entry))).thenApply(reply -> {
            BatchResult r = RaftReplies.parse(reply, BatchResult::parseFrom);
            return new WriteOutcome(r.getResults(0), r.getIndex() > 0 ? r.getIndex() : reply.getLogIndex());
          });
    }
    return scheduler.withTimeout(f, timeoutMs);
  }

  private WriteBatcher batcher(RaftGroupId gid) {
    return batchers.computeIfAbsent(gid, g -> new WriteBatcher(
        entry -> host.submitWrite(g, entry.toByteArray(), config.raft().requestTimeoutMs())
            .thenApply(reply -> RaftReplies.parse(reply, BatchResult::parseFrom)),
        config.batch(), clock, observer));
  }

  @Override
  public void close() {
    batchers.values().forEach(b -> b.failQueued(new AlreadyClosedException("node is shutting down")));
  }
}

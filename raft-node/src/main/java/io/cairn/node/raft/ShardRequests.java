package io.cairn.node.raft;

import io.cairn.node.cluster.PeerChannels;
import io.cairn.node.cluster.ShardDirectory;
import io.cairn.node.cluster.ShardDirectory.Route;
import io.cairn.node.config.NodeConfig;
import io.cairn.proto.Consistency;
import io.cairn.proto.internal.BatchResult;
import io.cairn.proto.internal.Command;
import io.cairn.proto.internal.CommandBatch;
import io.cairn.proto.internal.ReadResult;
import java.io.Closeable;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * Executes validated requests against the shard that owns them: locally when this node leads the
 * shard (writes through the shard's {@link WriteBatcher}), otherwise forwarded to the leader
 * (writes over Ratis, reads as a marked {@code Kv.Get}, see {@link ReadForwarder}). Reads pick
 * their path by consistency level (docs/consistency.md):
 * <ul>
 *   <li>LINEARIZABLE: the leader, after a majority confirmed its term ({@link LeaderReads});
 *   <li>SESSION: the local replica once it has applied the client's token index, else the leader;
 *   <li>EVENTUAL: the local replica as it is, else the leader.
 * </ul>
 */
public final class ShardRequests implements Closeable {
  /** A write's result with the log index that carried it. */
  public record WriteOutcome(io.cairn.proto.internal.CommandResult result, long index) {}

  private final NodeConfig config;
  private final RaftHost host;
  private final ShardDirectory directory;
  private final GroupClients forwarders;
  private final RequestPathObserver observer;
  private final Map<RaftGroupId, WriteBatcher> batchers = new ConcurrentHashMap<>();
  private final LeaderReads leaderReads;
  private final ReadForwarder readForwarder;

  public ShardRequests(NodeConfig config, RaftHost host, ShardDirectory directory, GroupClients forwarders,
                       PeerChannels peers, RequestPathObserver observer) {
    // A confirmation that takes longer than an election timeout would prove nothing useful anyway.
    this.leaderReads = new LeaderReads(host, peers, Math.min(config.electionTimeoutMsMax(), config.raftRequestTimeoutMs()),
        observer);
    this.readForwarder = new ReadForwarder(peers, 2L * config.electionTimeoutMsMax());
    this.observer = observer;
    this.config = config;
    this.host = host;
    this.directory = directory;
    this.forwarders = forwarders;
  }

  public CompletableFuture<WriteOutcome> write(Route route, Command command, long timeoutMs) {
    CompletableFuture<WriteOutcome> f;
    if (host.isReadyLeader(route.groupId())) {
      f = batcher(route.groupId()).submit(command)
          .thenApply(a -> new WriteOutcome(a.result(), a.index()));
    } else {
      byte[] entry = CommandBatch.newBuilder().addCommands(command)
          .setProposedAtMs(System.currentTimeMillis()).build().toByteArray();
      f = forwarder(route).async().send(message(entry)).thenApply(reply -> {
        BatchResult r = parse(reply, BatchResult::parseFrom);
        return new WriteOutcome(r.getResults(0), r.getIndex() > 0 ? r.getIndex() : reply.getLogIndex());
      });
    }
    return f.orTimeout(timeoutMs, TimeUnit.MILLISECONDS);
  }

  /**
   * Reads {@code key} at {@code consistency}.
   *
   * @param forwarded the request was forwarded here by another node: serve it or fail it, never
   *     forward it again
   */
  public CompletableFuture<ReadResult> read(Route route, byte[] key, Consistency consistency, long minIndex,
                                            long timeoutMs, boolean forwarded) {
    CompletableFuture<ReadResult> f = switch (consistency) {
      case SESSION -> sessionRead(route, key, minIndex, timeoutMs, forwarded);
      case EVENTUAL -> host.shardReplica(route.groupId())
          .map(r -> CompletableFuture.completedFuture(r.core().read(key)))
          .orElseGet(() -> linearizableRead(route, key, timeoutMs, forwarded));
      default -> linearizableRead(route, key, timeoutMs, forwarded);
    };
    return f.orTimeout(timeoutMs, TimeUnit.MILLISECONDS);
  }

  private CompletableFuture<ReadResult> linearizableRead(Route route, byte[] key, long timeoutMs, boolean forwarded) {
    if (config.debugUnsafeLocalReads()) {
      // DEBUG ONLY (debug.unsafe-local-reads): a replica that merely believes it leads answers
      // from its own state. A deposed leader cut off by a partition serves stale data this way.
      Optional<ShardStateMachine> local = host.shardReplica(route.groupId());
      boolean believesLeader = host.division(route.groupId()).map(d -> d.getInfo().isLeader()).orElse(false);
      if (local.isPresent() && believesLeader) {
        return CompletableFuture.completedFuture(local.get().core().read(key));
      }
    }
    String shard = "shard " + route.shardId();
    if (host.isReadyLeader(route.groupId())) {
      return leaderReads.read(route.groupId(), shard, key);
    }
    // The leader as this node knows it; if unknown, the replica placement prefers as leader.
    String leader = leaderHint(route).orElse(route.shard().getReplicas(0));
    if (forwarded || leader.equals(host.nodeId())) {
      return CompletableFuture.failedFuture(new LeadershipNotConfirmedException(shard + ": this node ("
          + host.nodeId() + ") does not lead it right now"));
    }
    return readForwarder.read(leader, key, timeoutMs);
  }

  private CompletableFuture<ReadResult> sessionRead(Route route, byte[] key, long minIndex, long timeoutMs,
                                                    boolean forwarded) {
    Optional<ShardStateMachine> local = host.shardReplica(route.groupId());
    if (local.isEmpty()) {
      return linearizableRead(route, key, timeoutMs, forwarded);
    }
    ShardStateMachine replica = local.get();
    long waitMs = Math.min(config.sessionReadWaitMsMax(), timeoutMs);
    return replica.awaitApplied(minIndex)
        .orTimeout(waitMs, TimeUnit.MILLISECONDS)
        .thenApply(applied -> replica.core().read(key))
        // This replica lags the client's session: the leader is always fresh enough.
        .exceptionallyCompose(e -> linearizableRead(route, key, timeoutMs, forwarded));
  }

  /** The leader of the route's shard as far as this node knows. */
  public Optional<String> leaderHint(Route route) {
    Optional<String> local = host.leaderOf(route.groupId());
    return local.isPresent() ? local : forwarders.knownLeader(route.groupId());
  }

  private RaftClient forwarder(Route route) {
    return forwarders.client(route.shard(), directory.map());
  }

  private WriteBatcher batcher(RaftGroupId gid) {
    return batchers.computeIfAbsent(gid, g -> new WriteBatcher(
        entry -> host.submitWrite(g, entry.toByteArray(), config.raftRequestTimeoutMs())
            .thenApply(reply -> parse(reply, BatchResult::parseFrom)),
        config.batchCommandsMax(), config.batchesInFlightMax(), System::currentTimeMillis, observer::batch,
        observer::entryCommitted));
  }

  private static Message message(byte[] bytes) {
    return Message.valueOf(UnsafeByteOperations.unsafeWrap(bytes));
  }

  private interface Parser<T> {
    T parse(java.nio.ByteBuffer bytes) throws IOException;
  }

  private static <T> T parse(RaftClientReply reply, Parser<T> parser) {
    if (!reply.isSuccess()) {
      throw new java.util.concurrent.CompletionException(reply.getException());
    }
    ByteString content = reply.getMessage().getContent();
    try {
      return parser.parse(content.asReadOnlyByteBuffer());
    } catch (IOException e) {
      throw new java.util.concurrent.CompletionException(e);
    }
  }

  @Override
  public void close() {
    batchers.values().forEach(b -> b.failQueued(new AlreadyClosedException("node is shutting down")));
  }
}

package io.cairn.tests.jepsen;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import io.cairn.proto.DeleteRequest;
import io.cairn.proto.GetRequest;
import io.cairn.proto.KvGrpc;
import io.cairn.proto.PutRequest;
import io.cairn.proto.SessionToken;
import io.cairn.tests.history.Op;
import io.cairn.tests.history.OpResult;
import io.cairn.tests.history.ReadConsistency;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Sends operations to exactly one node over the raw gRPC API: one attempt, no routing, no retry, no
 * redirect to another node (the node itself forwards to its shard's leader as it sees it). A {@code
 * CairnClient}, even one given a single endpoint, learns the shard map and follows the cluster's
 * leader hints; a test that must keep asking a deposed leader, or keep writing through the majority
 * side of a partition, needs this instead.
 *
 * <p>Writes carry no write id, as a raw gRPC caller's would; that is safe here because nothing here
 * resends them - an unanswered write is simply INFO. The node they enter by may try one again while
 * the shard changes leader, under a write id of its own, so each request still applies at most once
 * (docs/correctness.md, finding 11, is what this sender caught when the node did not).
 *
 * <p>One sender is one client session, as {@code CairnClient} keeps it: per shard, the largest
 * index any answer showed (its {@code token}), sent as {@code min_index} with every SESSION get of
 * that shard, so the session checker's read-your-writes and monotonic reads hold for SESSION reads
 * sent through here too. The sender has no shard map; it learns a key's shard from the token of an
 * answer about that key. Before any answer about a key the process has seen nothing of it, and 0 is
 * then the right floor. Give every process its own sender.
 */
public final class PinnedNodeSender implements OpSender {

  private final java.util.function.Supplier<String> host;
  private final int port;
  // One channel per host the sender was pointed at: normally one.
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final Duration deadline;
  private final ChannelCredentials credentials;
  private final Map<String, Integer> shardOfKey = new ConcurrentHashMap<>();
  private final Map<Integer, Long> sessionIndexOfShard = new ConcurrentHashMap<>();

  public PinnedNodeSender(String host, int port, Duration deadline) {
    this(() -> host, port, deadline, InsecureChannelCredentials.create());
  }

  /**
   * Sends each operation to the node {@code host} names at that moment, keeping one session: for a
   * process whose node may leave the cluster (it then moves to another, as a client of a load
   * balancer would).
   */
  public PinnedNodeSender(
      java.util.function.Supplier<String> host,
      int port,
      Duration deadline,
      ChannelCredentials credentials) {
    this.host = host;
    this.port = port;
    this.deadline = deadline;
    this.credentials = credentials;
  }

  @Override
  public CompletableFuture<OpResult> send(Op op) {
    ManagedChannel channel =
        channels.computeIfAbsent(
            host.get(), h -> Grpc.newChannelBuilderForAddress(h, port, credentials).build());
    KvGrpc.KvFutureStub stub =
        KvGrpc.newFutureStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    ByteString key = ByteString.copyFrom(op.key(), StandardCharsets.UTF_8);
    return switch (op.kind()) {
      case GET -> {
        GetRequest.Builder get =
            GetRequest.newBuilder()
                .setKey(key)
                .setConsistency(ClientOpSender.consistency(op.consistency()));
        if (op.consistency() == ReadConsistency.SESSION) {
          get.setMinIndex(sessionIndex(op.key()));
        }
        yield relay(
            stub.get(get.build()),
            r -> {
              observe(op.key(), r.getToken());
              return r.getFound()
                  ? new OpResult.GetResult(true, r.getValue().toStringUtf8(), r.getVersion())
                  : new OpResult.GetResult(false, null, 0);
            });
      }
      case PUT, PUT_CAS -> {
        PutRequest.Builder put =
            PutRequest.newBuilder()
                .setKey(key)
                .setValue(ByteString.copyFrom(op.value(), StandardCharsets.UTF_8));
        if (op.kind().isCompareAndSet()) {
          put.setExpectedVersion(op.expectedVersion());
        }
        yield relay(
            stub.put(put.build()),
            r -> {
              observe(op.key(), r.getToken());
              return new OpResult.PutResult(r.getVersion());
            });
      }
      case DELETE, DELETE_CAS -> {
        DeleteRequest.Builder delete = DeleteRequest.newBuilder().setKey(key);
        if (op.kind().isCompareAndSet()) {
          delete.setExpectedVersion(op.expectedVersion());
        }
        yield relay(
            stub.delete(delete.build()),
            r -> {
              observe(op.key(), r.getToken());
              return new OpResult.DeleteResult(r.getExisted(), r.getIndex());
            });
      }
    };
  }

  /** The session's floor for a SESSION read of {@code key}: 0 until an answer named its shard. */
  long sessionIndex(String key) {
    Integer shard = shardOfKey.get(key);
    return shard == null ? 0 : sessionIndexOfShard.getOrDefault(shard, 0L);
  }

  private void observe(String key, SessionToken token) {
    if (token.getIndex() > 0) {
      shardOfKey.put(key, token.getShardId());
      sessionIndexOfShard.merge(token.getShardId(), token.getIndex(), Math::max);
    }
  }

  private static <R> CompletableFuture<OpResult> relay(
      ListenableFuture<R> call, Function<R, OpResult> toResult) {
    CompletableFuture<OpResult> result = new CompletableFuture<>();
    Futures.addCallback(
        call,
        new FutureCallback<R>() {
          @Override
          public void onSuccess(R response) {
            result.complete(toResult.apply(response));
          }

          @Override
          public void onFailure(Throwable t) {
            result.completeExceptionally(t);
          }
        },
        MoreExecutors.directExecutor());
    return result;
  }

  @Override
  public void close() {
    channels.values().forEach(ManagedChannel::shutdownNow);
    try {
      for (ManagedChannel channel : channels.values()) {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

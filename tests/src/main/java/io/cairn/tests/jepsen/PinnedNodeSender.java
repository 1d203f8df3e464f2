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
import io.cairn.tests.history.Op;
import io.cairn.tests.history.OpResult;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Sends operations to exactly one node over the raw gRPC API: one attempt, no routing, no retry, no
 * redirect to another node (the node itself forwards to its shard's leader as it sees it). A {@code
 * CairnClient}, even one given a single endpoint, learns the shard map and follows the cluster's
 * leader hints; a test that must keep asking a deposed leader, or keep writing through the majority
 * side of a partition, needs this instead.
 *
 * <p>Writes carry no write id, so the cluster applies each request it receives; that is safe here
 * because nothing resends them - an unanswered write is simply INFO.
 */
public final class PinnedNodeSender implements OpSender {

  private final ManagedChannel channel;
  private final Duration deadline;

  public PinnedNodeSender(String host, int port, Duration deadline) {
    this.channel = ManagedChannelBuilder.forAddress(host, port).usePlaintext().build();
    this.deadline = deadline;
  }

  @Override
  public CompletableFuture<OpResult> send(Op op) {
    KvGrpc.KvFutureStub stub =
        KvGrpc.newFutureStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    ByteString key = ByteString.copyFrom(op.key(), StandardCharsets.UTF_8);
    return switch (op.kind()) {
      case GET ->
          relay(
              stub.get(
                  GetRequest.newBuilder()
                      .setKey(key)
                      .setConsistency(ClientOpSender.consistency(op.consistency()))
                      .build()),
              r ->
                  r.getFound()
                      ? new OpResult.GetResult(true, r.getValue().toStringUtf8(), r.getVersion())
                      : new OpResult.GetResult(false, null, 0));
      case PUT, PUT_CAS -> {
        PutRequest.Builder put =
            PutRequest.newBuilder()
                .setKey(key)
                .setValue(ByteString.copyFrom(op.value(), StandardCharsets.UTF_8));
        if (op.kind().isCompareAndSet()) {
          put.setExpectedVersion(op.expectedVersion());
        }
        yield relay(stub.put(put.build()), r -> new OpResult.PutResult(r.getVersion()));
      }
      case DELETE, DELETE_CAS -> {
        DeleteRequest.Builder delete = DeleteRequest.newBuilder().setKey(key);
        if (op.kind().isCompareAndSet()) {
          delete.setExpectedVersion(op.expectedVersion());
        }
        yield relay(
            stub.delete(delete.build()),
            r -> new OpResult.DeleteResult(r.getExisted(), r.getIndex()));
      }
    };
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
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

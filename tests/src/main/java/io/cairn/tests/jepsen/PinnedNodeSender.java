package io.cairn.tests.jepsen;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import io.cairn.proto.GetRequest;
import io.cairn.proto.GetResponse;
import io.cairn.proto.KvGrpc;
import io.cairn.tests.history.Op;
import io.cairn.tests.history.OpKind;
import io.cairn.tests.history.OpResult;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Sends reads to exactly one node over the raw gRPC API: one attempt, no routing, no retry, no
 * redirect to another node. A {@code CairnClient}, even one given a single endpoint, learns the
 * shard map and follows the cluster's leader hints; a test that must keep asking a deposed leader
 * needs this instead. Reads only: writes need the client's write ids and go through
 * {@link ClientOpSender}.
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
    if (op.kind() != OpKind.GET) {
      throw new IllegalArgumentException("a pinned sender only reads; send " + op + " through a ClientOpSender");
    }
    GetRequest request = GetRequest.newBuilder()
        .setKey(ByteString.copyFrom(op.key(), StandardCharsets.UTF_8))
        .setConsistency(ClientOpSender.consistency(op.consistency()))
        .build();
    CompletableFuture<OpResult> result = new CompletableFuture<>();
    Futures.addCallback(
        KvGrpc.newFutureStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS).get(request),
        new FutureCallback<GetResponse>() {
          @Override
          public void onSuccess(GetResponse r) {
            result.complete(r.getFound()
                ? new OpResult.GetResult(true, r.getValue().toStringUtf8(), r.getVersion())
                : new OpResult.GetResult(false, null, 0));
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

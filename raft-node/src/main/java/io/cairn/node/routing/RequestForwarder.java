package io.cairn.node.routing;

import io.cairn.proto.DeleteRequest;
import io.cairn.proto.DeleteResponse;
import io.cairn.proto.ErrorDetail;
import io.cairn.proto.GetRequest;
import io.cairn.proto.GetResponse;
import io.cairn.proto.KvGrpc;
import io.cairn.proto.PutRequest;
import io.cairn.proto.PutResponse;
import io.cairn.proto.WireHeaders;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Sends a request this node cannot serve to the node that leads its shard, as the same public
 * {@code Kv} call marked {@code cairn-forwarded} ({@link WireHeaders#FORWARDED}), so that node
 * answers it itself or fails it, and never forwards it again: a request bounces at most once even
 * while nodes disagree about who leads.
 *
 * <p>Why the public call, not a Ratis client: the leader then treats a forwarded write like its own
 * (validated again, batched with the others, stamped with its clock), and there is no client state
 * that one failure can break for good — Ratis 3.3.0's ordered async client fails every later
 * request once one has run out of retries (docs/ratis-workarounds.md).
 *
 * <p>Failures come back as the leader's own {@link StatusRuntimeException}, with its error detail
 * and leader hint, which the caller passes on to its client as they are.
 */
public final class RequestForwarder {
  private final PeerChannels peers;
  private final LeaderHints leaders;
  private final long attemptTimeoutMsMax;
  private final Metadata marker = new Metadata();

  /**
   * @param attemptTimeoutMsMax the longest one forwarded request may take: a leader behind a
   *     partition that drops packets must not hold it for the whole deadline, when the client could
   *     retry elsewhere
   */
  public RequestForwarder(PeerChannels peers, LeaderHints leaders, long attemptTimeoutMsMax) {
    this.peers = peers;
    this.leaders = leaders;
    this.attemptTimeoutMsMax = attemptTimeoutMsMax;
    marker.put(WireHeaders.FORWARDED, "1");
  }

  public CompletableFuture<GetResponse> get(
      String nodeId, ShardDirectory.Route route, GetRequest req, long timeoutMs) {
    return call(nodeId, route, timeoutMs, (stub, out) -> stub.get(req, out));
  }

  public CompletableFuture<PutResponse> put(
      String nodeId, ShardDirectory.Route route, PutRequest req, long timeoutMs) {
    return call(nodeId, route, timeoutMs, (stub, out) -> stub.put(req, out));
  }

  public CompletableFuture<DeleteResponse> delete(
      String nodeId, ShardDirectory.Route route, DeleteRequest req, long timeoutMs) {
    return call(nodeId, route, timeoutMs, (stub, out) -> stub.delete(req, out));
  }

  private <R> CompletableFuture<R> call(
      String nodeId,
      ShardDirectory.Route route,
      long timeoutMs,
      BiConsumer<KvGrpc.KvStub, StreamObserver<R>> send) {
    CompletableFuture<R> result = new CompletableFuture<>();
    var channel = peers.to(nodeId);
    if (channel.isEmpty()) {
      result.completeExceptionally(
          new NotLeaderHereException(
              "shard "
                  + route.shardId()
                  + ": its leader "
                  + nodeId
                  + " is not in this node's shard map"));
      return result;
    }
    KvGrpc.KvStub stub =
        KvGrpc.newStub(channel.get())
            .withExecutor(PeerChannels.ON_TRANSPORT_THREAD)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(marker))
            .withDeadlineAfter(Math.min(timeoutMs, attemptTimeoutMsMax), TimeUnit.MILLISECONDS);
    send.accept(
        stub,
        new StreamObserver<>() {
          @Override
          public void onNext(R response) {
            leaders.learned(route.groupId(), nodeId);
            result.complete(response);
          }

          @Override
          public void onError(Throwable t) {
            Status status = Status.fromThrowable(t);
            if (status.getCode() == Status.Code.UNAVAILABLE) {
              peers.reconnectSoon(nodeId);
              leaders.unreachable(route.groupId(), nodeId);
            }
            Metadata trailers = Status.trailersFromThrowable(t);
            ErrorDetail detail = trailers == null ? null : trailers.get(WireHeaders.ERROR_DETAIL);
            if (detail != null && !detail.getLeaderHint().isEmpty()) {
              leaders.learned(route.groupId(), detail.getLeaderHint());
            }
            result.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            if (!result.isDone()) {
              result.completeExceptionally(
                  new IllegalStateException(
                      "node " + nodeId + " closed a forwarded call without an answer"));
            }
          }
        });
    return result;
  }
}

package io.cairn.node.read;

import com.google.protobuf.ByteString;
import io.cairn.node.routing.PeerChannels;
import io.cairn.proto.Consistency;
import io.cairn.proto.GetRequest;
import io.cairn.proto.GetResponse;
import io.cairn.proto.KvGrpc;
import io.cairn.proto.WireHeaders;
import io.cairn.proto.internal.ReadResult;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Sends a LINEARIZABLE read this node cannot serve to the node that leads the shard, as a
 * {@code Kv.Get} marked with {@code cairn-forwarded} ({@link WireHeaders#FORWARDED}) so that node answers it itself (or fails
 * it) instead of forwarding it again. Writes are forwarded through Ratis; reads cannot be, because
 * Ratis's read path is not linearizable (see {@link LeadershipQuorum}).
 */
public final class ReadForwarder {
  private final PeerChannels peers;
  private final long attemptTimeoutMsMax;
  private final Metadata marker = new Metadata();

  /**
   * @param attemptTimeoutMsMax the longest a forwarded read may take: a leader behind a
   *     partition that drops packets must not hold the read for its whole deadline, when the
   *     client could retry elsewhere
   */
  public ReadForwarder(PeerChannels peers, long attemptTimeoutMsMax) {
    this.peers = peers;
    this.attemptTimeoutMsMax = attemptTimeoutMsMax;
    marker.put(WireHeaders.FORWARDED, "1");
  }

  /** Reads {@code key} on node {@code nodeId}; the answer's applied index is the token it carries. */
  CompletableFuture<ReadResult> read(String nodeId, byte[] key, long timeoutMs) {
    CompletableFuture<ReadResult> result = new CompletableFuture<>();
    var channel = peers.to(nodeId);
    if (channel.isEmpty()) {
      result.completeExceptionally(Status.UNAVAILABLE.withDescription("get: leader " + nodeId
          + " is not in this node's shard map; retry").asRuntimeException());
      return result;
    }
    GetRequest req = GetRequest.newBuilder().setKey(ByteString.copyFrom(key)).setConsistency(Consistency.LINEARIZABLE)
        .build();
    KvGrpc.newStub(channel.get())
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(marker))
        .withDeadlineAfter(Math.min(timeoutMs, attemptTimeoutMsMax), TimeUnit.MILLISECONDS)
        .get(req, new StreamObserver<>() {
          @Override
          public void onNext(GetResponse r) {
            ReadResult.Builder b = ReadResult.newBuilder().setFound(r.getFound()).setAppliedIndex(r.getToken().getIndex());
            if (r.getFound()) {
              b.setValue(r.getValue()).setVersion(r.getVersion());
            }
            result.complete(b.build());
          }

          @Override
          public void onError(Throwable t) {
            if (Status.fromThrowable(t).getCode() == Status.Code.UNAVAILABLE) {
              peers.reconnectSoon(nodeId);
            }
            result.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            if (!result.isDone()) {
              result.completeExceptionally(Status.INTERNAL.withDescription("get: the leader closed the forwarded call"
                  + " without an answer").asRuntimeException());
            }
          }
        });
    return result;
  }
}

package io.cairn.node.api;

import io.cairn.proto.WireHeaders;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Lets a service put the {@code cairn-leader} response header: when this node served a request for
 * a shard it does not lead, the header names the leader so the client routes there next time.
 */
public final class LeaderHintInterceptor implements ServerInterceptor {
  private static final Context.Key<AtomicReference<String>> HINT = Context.key("cairn-leader-hint");

  /**
   * The slot for the current call's leader header. Take it on the calling thread (the gRPC context
   * is thread-bound) and fill it from any thread before the response is sent.
   */
  public static AtomicReference<String> slot() {
    AtomicReference<String> ref = HINT.get();
    return ref != null ? ref : new AtomicReference<>();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    AtomicReference<String> ref = new AtomicReference<>();
    ServerCall<Q, R> withHint =
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void sendHeaders(Metadata responseHeaders) {
            String leader = ref.get();
            if (leader != null) {
              responseHeaders.put(WireHeaders.LEADER, leader);
            }
            super.sendHeaders(responseHeaders);
          }
        };
    return Contexts.interceptCall(Context.current().withValue(HINT, ref), withHint, headers, next);
  }
}

package io.cairn.node.api;

import io.cairn.proto.WireHeaders;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Marks calls that another node forwarded here ({@code cairn-forwarded} header), so this node
 * answers them itself or fails them, and never forwards them again: a request bounces at most once
 * even while nodes disagree about who leads.
 */
public final class ForwardedCalls implements ServerInterceptor {
  private static final Context.Key<Boolean> FORWARDED = Context.key("cairn-forwarded");

  /** Whether the current call was forwarded by another node; read it on the calling thread. */
  public static boolean current() {
    return Boolean.TRUE.equals(FORWARDED.get());
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (!headers.containsKey(WireHeaders.FORWARDED)) {
      return next.startCall(call, headers);
    }
    return Contexts.interceptCall(
        Context.current().withValue(FORWARDED, true), call, headers, next);
  }
}

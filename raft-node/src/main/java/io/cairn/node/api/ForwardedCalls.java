package io.cairn.node.api;

import io.cairn.node.security.ClientPortTls;
import io.cairn.proto.WireHeaders;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Optional;

/**
 * Marks calls that another node forwarded here ({@code cairn-forwarded} header), so this node
 * answers them itself or fails them, and never forwards them again: a request bounces at most once
 * even while nodes disagree about who leads.
 *
 * <p>A forwarded call is trusted with what a client's is not: its value is taken in the stored form
 * (sealed already, when values are encrypted at rest) and a read answers with the stored form. So
 * with TLS on the client port the header is honoured from cluster members only; anyone else who
 * sends it is refused, or a client could store a value unsealed or read one sealed. On a plaintext
 * client port nothing tells a member from a client (docs/security.md says so).
 */
public final class ForwardedCalls implements ServerInterceptor {
  private static final Context.Key<Boolean> FORWARDED = Context.key("cairn-forwarded");

  private final Optional<ClientPortTls> tls;

  /**
   * @param tls the client port's TLS, when it has it: then only members may forward
   */
  public ForwardedCalls(Optional<ClientPortTls> tls) {
    this.tls = tls;
  }

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
    if (tls.isPresent() && !MembersOnlyInterceptor.fromMember(tls.get(), call)) {
      call.close(
          Status.PERMISSION_DENIED.withDescription(
              "the "
                  + WireHeaders.FORWARDED.name()
                  + " header is for calls between cluster members; send the call without it"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return Contexts.interceptCall(
        Context.current().withValue(FORWARDED, true), call, headers, next);
  }
}

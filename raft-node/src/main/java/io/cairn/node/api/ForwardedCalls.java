package io.cairn.node.api;

import io.cairn.node.security.NodeTls;
import io.cairn.proto.WireHeaders;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Marks calls that another node forwarded here ({@code cairn-forwarded} header), so this node
 * answers them itself or fails them, and never forwards them again: a request bounces at most once
 * even while nodes disagree about who leads.
 *
 * <p>A forwarded call is trusted with what a client's is not: its value is taken in the stored form
 * (sealed already, when values are encrypted at rest) and a read answers with the stored form. So
 * the header is honoured on the peer port, which admits cluster members only (or is open on
 * purpose, as the Raft port then is). On the client port it is refused, except on a node without a
 * peer port in the map (a map from before peer ports), and there, with TLS on, from members only;
 * anyone else who sends it is refused, or a client could store a value unsealed or read one sealed.
 */
public final class ForwardedCalls implements ServerInterceptor {
  private static final Context.Key<Boolean> FORWARDED = Context.key("cairn-forwarded");

  private final Optional<NodeTls> tls;
  private final BooleanSupplier accepted;

  private ForwardedCalls(Optional<NodeTls> tls, BooleanSupplier accepted) {
    this.tls = tls;
    this.accepted = accepted;
  }

  /** On the peer port: every caller there is a member. */
  public static ForwardedCalls onPeerPort() {
    return new ForwardedCalls(Optional.empty(), () -> true);
  }

  /**
   * On the client port.
   *
   * @param tls the client port's TLS, when it has it: then only members may forward
   * @param noPeerPort whether this node's entry in its current map lacks a peer port; only then do
   *     other nodes forward to this port
   */
  public static ForwardedCalls onClientPort(Optional<NodeTls> tls, BooleanSupplier noPeerPort) {
    return new ForwardedCalls(tls, noPeerPort);
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
    if (!accepted.getAsBoolean()
        || (tls.isPresent() && !PeerCallsOnClientPort.fromMember(tls.get(), call))) {
      call.close(
          Status.PERMISSION_DENIED.withDescription(
              "the "
                  + WireHeaders.FORWARDED.name()
                  + " header is for calls between cluster members on the peer port; send the call"
                  + " without it"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return Contexts.interceptCall(
        Context.current().withValue(FORWARDED, true), call, headers, next);
  }
}

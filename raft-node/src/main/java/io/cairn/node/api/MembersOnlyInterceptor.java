package io.cairn.node.api;

import io.cairn.node.security.ClientPortTls;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Lets through only calls from cluster members: the caller's TLS client certificate must be signed
 * by the cluster CA. The node-to-node Peer service shares the client port with the public API; a
 * client with a client-CA certificate may call the API, never the Peer service.
 */
public final class MembersOnlyInterceptor implements ServerInterceptor {
  private final ClientPortTls tls;

  public MembersOnlyInterceptor(ClientPortTls tls) {
    this.tls = tls;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (!fromMember(tls, call)) {
      call.close(
          Status.PERMISSION_DENIED.withDescription(
              "the Peer service answers cluster members only (a certificate of the cluster CA);"
                  + " clients use the Kv and Cluster services"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }

  /** Whether {@code call} came over TLS with a client certificate of the cluster CA. */
  static boolean fromMember(ClientPortTls tls, ServerCall<?, ?> call) {
    return TlsCaller.of(tls, call).member();
  }
}

package io.cairn.node.api;

import io.cairn.node.security.NodeTls;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Guards the node-to-node Peer service where the client port still serves it: only for a node that
 * has no peer port in the shard map (a map written before peer ports existed, whose nodes dial each
 * other's client ports), and then, with TLS on the port, only for cluster members (a certificate of
 * the cluster CA). A node with a peer port refuses every Peer call here: its peers use that port,
 * behind mutual TLS, and a client never needs the service.
 */
public final class PeerCallsOnClientPort implements ServerInterceptor {
  private final Optional<NodeTls> tls;
  private final BooleanSupplier noPeerPort;

  /**
   * @param tls the client port's TLS, when it has it
   * @param noPeerPort whether this node's entry in its current map lacks a peer port
   */
  public PeerCallsOnClientPort(Optional<NodeTls> tls, BooleanSupplier noPeerPort) {
    this.tls = tls;
    this.noPeerPort = noPeerPort;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (!noPeerPort.getAsBoolean()) {
      return refuse(
          call,
          "the Peer service is served on the peer port, to cluster members only; clients use"
              + " the Kv and Cluster services");
    }
    if (tls.isPresent() && !fromMember(tls.get(), call)) {
      return refuse(
          call,
          "the Peer service answers cluster members only (a certificate of the cluster CA);"
              + " clients use the Kv and Cluster services");
    }
    return next.startCall(call, headers);
  }

  /** Whether {@code call} came over TLS with a client certificate of the cluster CA. */
  static boolean fromMember(NodeTls tls, ServerCall<?, ?> call) {
    return TlsCaller.of(tls, call).member();
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, String why) {
    call.close(Status.PERMISSION_DENIED.withDescription(why), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}

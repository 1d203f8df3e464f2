package io.cairn.client;

import io.grpc.ChannelCredentials;
import io.grpc.CompositeChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

/**
 * Opens the one channel the client keeps per node endpoint. The seam for transport choices:
 * plaintext, TLS, in-process gRPC in tests.
 *
 * <p>Every channel runs its callbacks on the transport thread that read the answer ({@code
 * directExecutor}), not on gRPC's default pool. The client's own callbacks never block, and the
 * hand-off to a pooled thread per answer cost more CPU than the whole rest of the client: 64
 * closed-loop clients reading from a local cluster made 9,300 reads/s with it and 20,700/s without
 * (docs/benchmarks.md). The price is the rule in {@link CairnClient}'s doc: a caller's callbacks
 * must not block either.
 */
@FunctionalInterface
public interface ChannelFactory {
  ManagedChannel open(Endpoint endpoint, ClientConfig config);

  /** Netty over plaintext TCP. */
  static ChannelFactory plaintext() {
    return (endpoint, config) ->
        NettyChannelBuilder.forAddress(endpoint.host(), endpoint.port())
            .usePlaintext()
            .directExecutor()
            .maxInboundMessageSize(config.maxInboundMessageBytes())
            .build();
  }

  /**
   * Netty over TLS as {@link #tls(ClientTls)}, every call made as {@code user}: the client logs in
   * with {@code password} (the node's Auth service) and sends the token it gets with each call.
   */
  static ChannelFactory tls(ClientTls tls, String user, String password) {
    ChannelCredentials transport = tls.credentials();
    ChannelCredentials credentials =
        CompositeChannelCredentials.create(
            transport, new UserCredentials(user, password, transport));
    return (endpoint, config) ->
        NettyChannelBuilder.forAddress(endpoint.host(), endpoint.port(), credentials)
            .directExecutor()
            .maxInboundMessageSize(config.maxInboundMessageBytes())
            .build();
  }

  /**
   * Netty over TLS with {@code tls}'s CA and, for mutual TLS, its client certificate. The files are
   * read once here: a client that outlives a certificate rotation reconnects with a new factory.
   */
  static ChannelFactory tls(ClientTls tls) {
    ChannelCredentials credentials = tls.credentials();
    return (endpoint, config) ->
        NettyChannelBuilder.forAddress(endpoint.host(), endpoint.port(), credentials)
            .directExecutor()
            .maxInboundMessageSize(config.maxInboundMessageBytes())
            .build();
  }
}

package io.cairn.client;

import io.grpc.ChannelCredentials;
import io.grpc.CompositeChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

/**
 * Opens the one channel the client keeps per node endpoint. The seam for transport choices:
 * plaintext, TLS, in-process gRPC in tests.
 */
@FunctionalInterface
public interface ChannelFactory {
  ManagedChannel open(Endpoint endpoint, ClientConfig config);

  /** Netty over plaintext TCP. */
  static ChannelFactory plaintext() {
    return (endpoint, config) ->
        NettyChannelBuilder.forAddress(endpoint.host(), endpoint.port())
            .usePlaintext()
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
            .maxInboundMessageSize(config.maxInboundMessageBytes())
            .build();
  }
}

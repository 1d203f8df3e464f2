package io.cairn.client;

import io.grpc.ChannelCredentials;
import io.grpc.CompositeChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

/**
 * Opens the one channel the client keeps per node endpoint. The seam for transport choices:
 * plaintext, TLS, in-process gRPC in tests.
 *
 * <p>Every Netty channel is built the same way ({@link #cairnChannel}):
 *
 * <ul>
 *   <li>Callbacks run on the transport thread that read the answer ({@code directExecutor}), not on
 *       gRPC's default pool. The client's own callbacks never block, and the hand-off to a pooled
 *       thread per answer cost more CPU than the whole rest of the client: 64 closed-loop clients
 *       reading from a local cluster made 9,300 reads/s with it and 20,700/s without
 *       (docs/benchmarks.md). The price is the rule in {@link CairnClient}'s doc: a caller's
 *       callbacks must not block either.
 *   <li>gRPC's own retry machinery is off ({@code disableRetry}). The client retries by itself
 *       ({@link Retrier}: typed errors, backoff, the operation's deadline, write ids that make a
 *       retried write apply once), and gRPC's layer wrapped every call in a retry buffer all the
 *       same: with it off, a load generator spent a fifth less CPU per linearizable read and served
 *       9-30 % more of them (docs/benchmarks.md, "A load generator that is not the bottleneck"). A
 *       call the transport refused before the node saw it now fails as UNAVAILABLE, which the
 *       client's retrier retries.
 * </ul>
 */
@FunctionalInterface
public interface ChannelFactory {
  ManagedChannel open(Endpoint endpoint, ClientConfig config);

  /** Netty over plaintext TCP. */
  static ChannelFactory plaintext() {
    return (endpoint, config) ->
        cairnChannel(NettyChannelBuilder.forAddress(endpoint.host(), endpoint.port()), config)
            .usePlaintext()
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
        cairnChannel(
                NettyChannelBuilder.forAddress(endpoint.host(), endpoint.port(), credentials),
                config)
            .build();
  }

  /**
   * Netty over TLS with {@code tls}'s CA and, for mutual TLS, its client certificate. The files are
   * read once here: a client that outlives a certificate rotation reconnects with a new factory.
   */
  static ChannelFactory tls(ClientTls tls) {
    ChannelCredentials credentials = tls.credentials();
    return (endpoint, config) ->
        cairnChannel(
                NettyChannelBuilder.forAddress(endpoint.host(), endpoint.port(), credentials),
                config)
            .build();
  }

  /** What every channel of the client shares, whatever its transport security (see above). */
  private static NettyChannelBuilder cairnChannel(
      NettyChannelBuilder builder, ClientConfig config) {
    return builder
        .directExecutor()
        .disableRetry()
        .maxInboundMessageSize(config.maxInboundMessageBytes());
  }
}

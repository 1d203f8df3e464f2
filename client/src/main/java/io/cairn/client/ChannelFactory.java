package io.cairn.client;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

/**
 * Opens the one channel the client keeps per node endpoint. The seam for transport choices:
 * plaintext today, TLS later (a factory that sets up the SSL context), in-process gRPC in tests.
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
}

package io.cairn.client;

import io.cairn.proto.AuthGrpc;
import io.cairn.proto.AuthenticateRequest;
import io.cairn.proto.AuthenticateResponse;
import io.grpc.CallCredentials;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * A user's name and password as gRPC call credentials: every call carries {@code authorization:
 * Bearer <token>}, the token got from the node's Auth service with the password and renewed a
 * minute before it expires. The Authenticate call itself goes out on a channel of its own, over the
 * same TLS, without a token. One token per node the client talks to (any node accepts any node's
 * token, but asking the node in question needs no other endpoint).
 */
final class UserCredentials extends CallCredentials {
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final long RENEW_BEFORE_MS = 60_000;
  private static final long AUTHENTICATE_TIMEOUT_MS = 10_000;

  private final String user;
  private final String password;
  private final ChannelCredentials transport;
  private final Map<String, Held> tokens = new ConcurrentHashMap<>();

  private record Held(String token, long expiresAtMs) {}

  UserCredentials(String user, String password, ChannelCredentials transport) {
    this.user = user;
    this.password = password;
    this.transport = transport;
  }

  @Override
  public void applyRequestMetadata(
      RequestInfo info, Executor appExecutor, MetadataApplier applier) {
    if (info.getMethodDescriptor()
        .getFullMethodName()
        .equals(AuthGrpc.getAuthenticateMethod().getFullMethodName())) {
      applier.apply(new Metadata());
      return;
    }
    String authority = info.getAuthority();
    Held held = tokens.get(authority);
    if (held != null && held.expiresAtMs() - RENEW_BEFORE_MS > System.currentTimeMillis()) {
      applier.apply(bearer(held.token()));
      return;
    }
    appExecutor.execute(
        () -> {
          try {
            Held fresh = authenticate(authority);
            tokens.put(authority, fresh);
            applier.apply(bearer(fresh.token()));
          } catch (StatusRuntimeException e) {
            applier.fail(
                Status.UNAUTHENTICATED.withDescription(
                    "could not log in as '"
                        + user
                        + "' at "
                        + authority
                        + ": "
                        + e.getStatus().getCode()
                        + " "
                        + e.getStatus().getDescription()));
          }
        });
  }

  private Held authenticate(String authority) {
    ManagedChannel channel = NettyChannelBuilder.forTarget(authority, transport).build();
    try {
      AuthenticateResponse r =
          AuthGrpc.newBlockingStub(channel)
              .withDeadlineAfter(AUTHENTICATE_TIMEOUT_MS, TimeUnit.MILLISECONDS)
              .authenticate(
                  AuthenticateRequest.newBuilder().setUser(user).setPassword(password).build());
      return new Held(r.getToken(), r.getExpiresAtMs());
    } finally {
      channel.shutdownNow();
    }
  }

  private static Metadata bearer(String token) {
    Metadata m = new Metadata();
    m.put(AUTHORIZATION, "Bearer " + token);
    return m;
  }
}

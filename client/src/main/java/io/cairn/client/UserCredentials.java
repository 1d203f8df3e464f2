package io.cairn.client;

import io.cairn.proto.AuthGrpc;
import io.cairn.proto.AuthenticateRequest;
import io.cairn.proto.AuthenticateResponse;
import io.grpc.CallCredentials;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A user's name and password as gRPC call credentials: every call carries {@code authorization:
 * Bearer <token>}, the token got from a node's Auth service with the password and renewed a minute
 * before it expires. One token serves every node (any node accepts any node's token), and one login
 * runs at a time however many calls are waiting for it: a client that starts 64 calls at once logs
 * in once, not 64 times (each login costs the node a bcrypt check). The Authenticate call itself
 * goes out on a channel of its own, over the same TLS, without a token.
 */
final class UserCredentials extends CallCredentials {
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final long RENEW_BEFORE_MS = 60_000;
  private static final long AUTHENTICATE_TIMEOUT_MS = 10_000;

  private final String user;
  private final String password;
  private final ChannelCredentials transport;
  // The login in progress or done; replaced when it failed or its token is due for renewal.
  private final AtomicReference<CompletableFuture<Held>> login = new AtomicReference<>();

  private record Held(String token, long expiresAtMs) {
    boolean fresh() {
      return expiresAtMs - RENEW_BEFORE_MS > System.currentTimeMillis();
    }
  }

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
    login(info.getAuthority())
        .whenComplete(
            (held, e) -> {
              if (e == null) {
                applier.apply(bearer(held.token()));
                return;
              }
              Throwable cause = e.getCause() != null ? e.getCause() : e;
              applier.fail(loginFailure(user, Status.fromThrowable(cause)));
            });
  }

  /**
   * The current login if it is running or holds a fresh token, else a new one at {@code authority}.
   */
  private CompletableFuture<Held> login(String authority) {
    while (true) {
      CompletableFuture<Held> current = login.get();
      if (current != null && usable(current)) {
        return current;
      }
      CompletableFuture<Held> next = new CompletableFuture<>();
      if (login.compareAndSet(current, next)) {
        authenticate(authority, next);
        return next;
      }
    }
  }

  private static boolean usable(CompletableFuture<Held> f) {
    if (!f.isDone()) {
      return true; // a login in progress: wait for it
    }
    return !f.isCompletedExceptionally() && f.join().fresh();
  }

  /**
   * Logs in without blocking: the caller may be one of the client's transport threads (its channels
   * run callbacks there, see {@link ChannelFactory}), and a thread waiting there for an answer that
   * the same thread has to read would wait out the whole deadline.
   */
  private void authenticate(String authority, CompletableFuture<Held> result) {
    ManagedChannel channel =
        NettyChannelBuilder.forTarget(authority, transport).directExecutor().build();
    result.whenComplete((held, e) -> channel.shutdownNow());
    try {
      AuthGrpc.newStub(channel)
          .withDeadlineAfter(AUTHENTICATE_TIMEOUT_MS, TimeUnit.MILLISECONDS)
          .authenticate(
              AuthenticateRequest.newBuilder().setUser(user).setPassword(password).build(),
              new StreamObserver<>() {
                @Override
                public void onNext(AuthenticateResponse r) {
                  result.complete(new Held(r.getToken(), r.getExpiresAtMs()));
                }

                @Override
                public void onError(Throwable t) {
                  result.completeExceptionally(t);
                }

                @Override
                public void onCompleted() {
                  result.completeExceptionally(
                      Status.INTERNAL
                          .withDescription("the node ended the login without an answer")
                          .asRuntimeException());
                }
              });
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
    }
  }

  /**
   * What a call fails with when its login did: UNAVAILABLE when the login got no answer it could
   * act on (the node down or cut off, busy checking other passwords, a timeout), so the caller's
   * retries try again, on another node if need be; UNAUTHENTICATED for everything else (a wrong
   * password, no such user, a node that cannot log anyone in), which another try would not change.
   * The call itself was never sent.
   */
  static Status loginFailure(String user, Status login) {
    String why =
        "could not log in as '" + user + "': " + login.getCode() + " " + login.getDescription();
    return switch (login.getCode()) {
      case UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED ->
          Status.UNAVAILABLE.withDescription(why + "; the call was not sent");
      default -> Status.UNAUTHENTICATED.withDescription(why);
    };
  }

  private static Metadata bearer(String token) {
    Metadata m = new Metadata();
    m.put(AUTHORIZATION, "Bearer " + token);
    return m;
  }
}

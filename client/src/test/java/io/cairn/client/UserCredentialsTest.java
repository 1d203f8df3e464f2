package io.cairn.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.proto.AuthGrpc;
import io.cairn.proto.AuthenticateRequest;
import io.cairn.proto.AuthenticateResponse;
import io.cairn.proto.KvGrpc;
import io.grpc.Attributes;
import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.InsecureChannelCredentials;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.SecurityLevel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class UserCredentialsTest {

  /**
   * The client's channels run callbacks on their transport threads, and a call's credentials are
   * asked for on the thread that starts the call, which may be one of them (a retry, a follow-up
   * started in a callback). A login that waited there could wait for an answer that only that
   * thread can read.
   */
  @Test
  void askingForATokenReturnsAtOnceAndTheTokenFollowsWhenTheNodeAnswers() throws Exception {
    CompletableFuture<StreamObserver<AuthenticateResponse>> loginAtNode = new CompletableFuture<>();
    Server node =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(
                new AuthGrpc.AuthImplBase() {
                  @Override
                  public void authenticate(
                      AuthenticateRequest request, StreamObserver<AuthenticateResponse> answer) {
                    loginAtNode.complete(answer); // answered below, by the test
                  }
                })
            .build()
            .start();
    try {
      UserCredentials credentials =
          new UserCredentials("bob", "secret", InsecureChannelCredentials.create());
      CompletableFuture<Metadata> applied = new CompletableFuture<>();

      credentials.applyRequestMetadata(
          requestFor(KvGrpc.getPutMethod(), "127.0.0.1:" + node.getPort()),
          Runnable::run,
          new CallCredentials.MetadataApplier() {
            @Override
            public void apply(Metadata headers) {
              applied.complete(headers);
            }

            @Override
            public void fail(Status status) {
              applied.completeExceptionally(status.asRuntimeException());
            }
          });

      StreamObserver<AuthenticateResponse> answer = loginAtNode.get(10, TimeUnit.SECONDS);
      assertThat(applied).isNotDone();
      answer.onNext(
          AuthenticateResponse.newBuilder()
              .setToken("t1")
              .setExpiresAtMs(System.currentTimeMillis() + 3_600_000)
              .build());
      answer.onCompleted();
      assertThat(applied.get(10, TimeUnit.SECONDS).get(UserCredentials.AUTHORIZATION))
          .isEqualTo("Bearer t1");
    } finally {
      node.shutdownNow();
    }
  }

  private static CallCredentials.RequestInfo requestFor(
      MethodDescriptor<?, ?> method, String authority) {
    return new CallCredentials.RequestInfo() {
      @Override
      public MethodDescriptor<?, ?> getMethodDescriptor() {
        return method;
      }

      @Override
      public CallOptions getCallOptions() {
        return CallOptions.DEFAULT;
      }

      @Override
      public SecurityLevel getSecurityLevel() {
        return SecurityLevel.PRIVACY_AND_INTEGRITY;
      }

      @Override
      public String getAuthority() {
        return authority;
      }

      @Override
      public Attributes getTransportAttrs() {
        return Attributes.EMPTY;
      }
    };
  }

  @Test
  void aRefusedLoginFailsTheCallForGood() {
    Status s =
        UserCredentials.loginFailure(
            "bob", Status.UNAUTHENTICATED.withDescription("wrong user name or password"));
    assertThat(s.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(s.getDescription()).contains("could not log in as 'bob'").contains("wrong");
  }

  @Test
  void aNodeThatCannotLogAnyoneInFailsTheCallForGood() {
    for (Status login : new Status[] {Status.UNIMPLEMENTED, Status.INTERNAL, Status.UNKNOWN}) {
      assertThat(UserCredentials.loginFailure("bob", login).getCode())
          .as(login.toString())
          .isEqualTo(Status.Code.UNAUTHENTICATED);
    }
  }

  @Test
  void aLoginWithoutAnAnswerFailsTheCallAsRetryable() {
    for (Status login :
        new Status[] {
          Status.UNAVAILABLE.withDescription("io exception"),
          Status.DEADLINE_EXCEEDED,
          Status.RESOURCE_EXHAUSTED.withDescription("too many failed logins from 10.0.0.1"),
        }) {
      Status s = UserCredentials.loginFailure("bob", login);
      assertThat(s.getCode()).as(login.toString()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(ErrorMapping.isRetryable(s.getCode())).isTrue();
    }
  }
}

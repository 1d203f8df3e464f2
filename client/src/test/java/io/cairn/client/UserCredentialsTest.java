package io.cairn.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

class UserCredentialsTest {

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

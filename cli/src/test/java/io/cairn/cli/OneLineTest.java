package io.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

class OneLineTest {
  @Test
  void aRenderedGrpcStatusBecomesCodeDescriptionAndCauseMessage() {
    // Status#toString() carries the cause's whole stack trace: what nodes send as a reason.
    String rendered =
        Status.UNAVAILABLE
            .withDescription("io exception")
            .withCause(new ConnectException("Connection refused: /127.0.0.3:7000"))
            .toString();
    assertThat(rendered).contains("\tat ");
    assertThat(OneLine.of(rendered))
        .isEqualTo("UNAVAILABLE: io exception: Connection refused: /127.0.0.3:7000");
  }

  @Test
  void aStatusWithoutDescriptionOrCauseKeepsWhatItHas() {
    assertThat(OneLine.of(Status.DEADLINE_EXCEEDED.toString())).isEqualTo("DEADLINE_EXCEEDED");
    assertThat(OneLine.of(Status.UNAVAILABLE.withCause(new IllegalStateException()).toString()))
        .isEqualTo("UNAVAILABLE: IllegalStateException");
  }

  @Test
  void stackFramesAndLineBreaksGo() {
    Exception e = new IllegalStateException("first line\nsecond line");
    java.io.StringWriter trace = new java.io.StringWriter();
    e.printStackTrace(new java.io.PrintWriter(trace));
    assertThat(OneLine.of(trace.toString()))
        .isEqualTo("java.lang.IllegalStateException: first line second line");
    assertThat(OneLine.of("connection refused")).isEqualTo("connection refused");
    assertThat(OneLine.of(null)).isEmpty();
  }
}

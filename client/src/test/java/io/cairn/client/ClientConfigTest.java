package io.cairn.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ClientConfigTest {
  @Test
  void defaults() {
    ClientConfig c = ClientConfig.builder().endpoints("127.0.0.1:7001").build();
    assertThat(c.requestTimeoutMs()).isEqualTo(10_000);
    assertThat(c.attemptTimeoutMsMax()).isEqualTo(3_000);
    assertThat(c.retryBackoffMsMin()).isEqualTo(20);
    assertThat(c.retryBackoffMsMax()).isEqualTo(1_000);
    assertThat(c.maxInboundMessageBytes()).isEqualTo(8 * 1024 * 1024);
    assertThat(c.routingRefreshMsMin()).isEqualTo(100);
    assertThat(c.scheduler()).isEmpty();
    assertThat(c.endpoints()).containsExactly(new Endpoint("127.0.0.1", 7001));
  }

  @Test
  void endpointsAreParsedAndDeduplicated() {
    ClientConfig c = ClientConfig.builder().endpoints(" a:1", "b:2", "a:1", "[::1]:7001").build();
    assertThat(c.endpoints())
        .containsExactly(new Endpoint("a", 1), new Endpoint("b", 2), new Endpoint("::1", 7001));
    assertThat(c.endpoints().get(2)).hasToString("[::1]:7001");
  }

  @Test
  void badEndpointsAreRejectedWithTheirText() {
    assertThatThrownBy(() -> ClientConfig.builder().endpoints("nohost"))
        .hasMessageContaining("'nohost' is not host:port");
    assertThatThrownBy(() -> ClientConfig.builder().endpoints("h:x"))
        .hasMessageContaining("not a number");
    assertThatThrownBy(() -> ClientConfig.builder().endpoints("h:70000"))
        .hasMessageContaining("outside 1..65535");
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    assertThatThrownBy(
            () ->
                ClientConfig.builder()
                    .requestTimeoutMs(0)
                    .retryBackoffMs(50, 10)
                    .maxInboundMessageBytes(10)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("endpoints is empty")
        .hasMessageContaining("requestTimeoutMs is 0")
        .hasMessageContaining("retry backoff is 50..10 ms")
        .hasMessageContaining("maxInboundMessageBytes is 10");
  }
}

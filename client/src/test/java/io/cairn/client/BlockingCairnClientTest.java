package io.cairn.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.client.FakeCluster.Fault;
import io.cairn.proto.Consistency;
import io.grpc.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BlockingCairnClientTest {
  private final FakeCluster cluster = new FakeCluster(3, 2, 3);
  // Long enough that a loaded machine still fits a first attempt in it (at 300 ms a busy 2-core
  // box was seen failing the first attempt with "no time left"); UNAVAILABLE retries fill it.
  private final BlockingCairnClient client =
      BlockingCairnClient.connect(cluster.config().requestTimeoutMs(1_500).build());

  @AfterEach
  void tearDown() {
    client.close();
    cluster.close();
  }

  @Test
  void answersComeBackDirectly() {
    long v = client.put("k", "v").version();
    assertThat(client.get("k", Consistency.SESSION))
        .isEqualTo(new GetResult(true, "v".getBytes(), v));
    assertThat(client.delete("k", v).existed()).isTrue();
    assertThat(client.shardMap().getShardsCount()).isEqualTo(2);
  }

  @Test
  void failuresAreThrownAsTheTypedExceptionNotWrapped() {
    long v = client.put("k", "v").version();
    assertThatThrownBy(() -> client.put("k", "w", v + 1))
        .isInstanceOfSatisfying(
            VersionMismatchException.class, e -> assertThat(e.currentVersion()).isEqualTo(v));
    cluster.failEveryRequest(Fault.of(Status.UNAVAILABLE.withDescription("no quorum")));
    assertThatThrownBy(() -> client.get("k")).isInstanceOf(UnavailableException.class);
  }

  @Test
  void anInterruptedWaitThrowsCancelledAndKeepsTheFlag() {
    cluster.failEveryRequest(Fault.hanging());
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> client.get("k"))
          .isInstanceOfSatisfying(
              CairnException.class, e -> assertThat(e.code()).isEqualTo(Status.Code.CANCELLED));
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }
}

package io.cairn.node.replica.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.node.testing.FreePorts;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.SocketFactory;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.junit.jupiter.api.Test;

class LinkConnectionTest {
  private static final AppendEntriesRequestProto HEARTBEAT =
      AppendEntriesRequestProto.newBuilder().setLeaderTerm(1).build();

  /** What a replica that stops leading relies on: its appender is not left waiting. */
  @Test
  void closingEndsACallWaitingOnASilentFollower() throws Exception {
    try (ServerSocket silent = silentFollower()) {
      LinkConnection c = connectionTo(silent);
      CompletableFuture<Throwable> call =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  c.call(LinkFrames.APPEND, HEARTBEAT, LinkFrames.APPEND_REPLY, 60_000);
                  return null;
                } catch (IOException e) {
                  return e;
                }
              });
      try (Socket accepted = silent.accept()) {
        // The request has been written once the follower can read it.
        assertThat(accepted.getInputStream().read()).isNotEqualTo(-1);
        c.close();
        assertThat(call.get(10, TimeUnit.SECONDS)).isInstanceOf(IOException.class);
      }
    }
  }

  /**
   * Java's read timeout is an InterruptedIOException, which Ratis's appender takes for its own stop
   * (it then ends, and its leader starts another): a silent follower must be a plain error.
   */
  @Test
  void aFollowerThatDoesNotAnswerInTimeIsAnErrorNotAnInterrupt() throws IOException {
    try (ServerSocket silent = silentFollower()) {
      LinkConnection c = connectionTo(silent);
      assertThatThrownBy(() -> c.call(LinkFrames.APPEND, HEARTBEAT, LinkFrames.APPEND_REPLY, 200))
          .isInstanceOf(IOException.class)
          .isNotInstanceOf(java.io.InterruptedIOException.class)
          .hasMessageContaining("no answer from")
          .hasMessageContaining("within 200 ms");
    }
  }

  @Test
  void aPeerThatRefusesIsDialledAgainOnlyAfterABackoff() {
    int closedPort = FreePorts.takeOne();
    LinkConnection c =
        new LinkConnection(
            new InetSocketAddress("127.0.0.1", closedPort),
            SocketFactory.getDefault(),
            2_000,
            1024);
    assertThatThrownBy(() -> c.call(LinkFrames.APPEND, HEARTBEAT, LinkFrames.APPEND_REPLY, 1_000))
        .isInstanceOf(ConnectException.class);
    long start = System.nanoTime();
    assertThatThrownBy(() -> c.call(LinkFrames.APPEND, HEARTBEAT, LinkFrames.APPEND_REPLY, 1_000))
        .isInstanceOf(ConnectException.class);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(50);
  }

  @Test
  void theBackoffDoublesPerRefusalUpToHalfASecond() {
    assertThat(
            java.util.stream.IntStream.of(0, 1, 2, 3, 4, 5, 6, 40)
                .mapToLong(LinkConnection::backoffMs)
                .toArray())
        .containsExactly(0, 50, 100, 200, 400, 500, 500, 500);
  }

  /** A follower that accepts connections and never answers. */
  private static ServerSocket silentFollower() throws IOException {
    ServerSocket s = new ServerSocket();
    s.bind(new InetSocketAddress("127.0.0.1", 0));
    return s;
  }

  private static LinkConnection connectionTo(ServerSocket follower) {
    return new LinkConnection(
        (InetSocketAddress) follower.getLocalSocketAddress(),
        SocketFactory.getDefault(),
        2_000,
        1 << 16);
  }
}

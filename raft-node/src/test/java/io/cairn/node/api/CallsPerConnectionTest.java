package io.cairn.node.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.node.testing.LocalCluster;
import io.cairn.node.testing.LocalClusterExtension;
import io.cairn.proto.Consistency;
import io.cairn.proto.GetRequest;
import io.cairn.proto.PutRequest;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 11, item 6: the client port caps the calls one connection may have open at once
 * (limits.calls-per-connection-max, announced as HTTP/2's stream limit). With a cap of 1, a call on
 * a connection that already has one open waits for it to end.
 */
class CallsPerConnectionTest {
  @RegisterExtension
  final LocalClusterExtension local =
      new LocalClusterExtension(
          b ->
              b.nodes(3)
                  .shards(1)
                  .config("limits.calls-per-connection-max", "1")
                  .config("read.session-wait-ms-max", "1500"));

  @Test
  void aSecondCallOnTheConnectionWaitsForTheFirstToEnd() throws Exception {
    LocalCluster cluster = local.cluster();
    int node = cluster.leaderOf(1);
    // One call first, so the client has the server's settings (the stream limit) in hand.
    cluster
        .kv(node)
        .put(
            PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("k"))
                .setValue(ByteString.copyFromUtf8("v"))
                .build());

    // Waits for an index the shard will not reach soon: open for read.session-wait-ms-max.
    CompletableFuture<Long> slowEnded = new CompletableFuture<>();
    cluster
        .kvAsync(node)
        .get(
            GetRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("k"))
                .setConsistency(Consistency.SESSION)
                .setMinIndex(1_000_000_000L)
                .build(),
            endedAt(slowEnded));
    CompletableFuture<Long> quickEnded = new CompletableFuture<>();
    cluster
        .kvAsync(node)
        .put(
            PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("k2"))
                .setValue(ByteString.copyFromUtf8("v"))
                .build(),
            endedAt(quickEnded));

    long slow = slowEnded.get(20, TimeUnit.SECONDS);
    long quick = quickEnded.get(20, TimeUnit.SECONDS);
    assertThat(quick)
        .as("the put ended after the read that held the only slot")
        .isGreaterThan(slow);
  }

  private static <T> StreamObserver<T> endedAt(CompletableFuture<Long> ended) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {}

      @Override
      public void onError(Throwable t) {
        ended.complete(System.nanoTime());
      }

      @Override
      public void onCompleted() {
        ended.complete(System.nanoTime());
      }
    };
  }
}

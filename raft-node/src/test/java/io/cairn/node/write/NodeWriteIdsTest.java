package io.cairn.node.write;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cairn.proto.WriteId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class NodeWriteIdsTest {
  @Test
  void eachNodeProcessHasItsOwnSessionThatNoClientIdCanBe() {
    NodeWriteIds a = NodeWriteIds.forNode("n1");
    NodeWriteIds b = NodeWriteIds.forNode("n1");

    ByteString idA = a.assign().getClientId();
    ByteString idB = b.assign().getClientId();

    assertThat(idA).isNotEqualTo(idB);
    assertThat(idA.toStringUtf8()).startsWith("node/n1/");
    assertThat(idA.size()).isNotEqualTo(16); // a client's id is 16 random bytes
    assertThatThrownBy(() -> new NodeWriteIds(ByteString.EMPTY))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void ackedBelowStaysAtTheOldestWriteStillInFlight() {
    NodeWriteIds ids = NodeWriteIds.forNode("n1");
    WriteId first = ids.assign();
    WriteId second = ids.assign();
    WriteId third = ids.assign();
    assertThat(List.of(first.getSequence(), second.getSequence(), third.getSequence()))
        .containsExactly(1L, 2L, 3L);
    assertThat(third.getAckedBelow()).isEqualTo(1);

    ids.release(second);
    assertThat(ids.assign().getAckedBelow()).isEqualTo(1);
    ids.release(first);
    assertThat(ids.assign().getAckedBelow()).isEqualTo(3);
  }

  @Test
  void anotherSessionsIdIsNotReleased() {
    NodeWriteIds ids = NodeWriteIds.forNode("n1");
    WriteId mine = ids.assign();
    ids.release(NodeWriteIds.forNode("n2").assign());
    ids.release(mine.toBuilder().setClientId(ByteString.copyFromUtf8("client")).build());

    assertThat(ids.inFlightCount()).isEqualTo(1);
    assertThat(ids.isOurs(mine)).isTrue();
  }

  /**
   * The property the shards rely on: no write carries an acked_below above the sequence of a write
   * handed out earlier and not yet answered, or that one would be refused as a stale duplicate.
   * While a write is unanswered, every write in flight with it was either handed out before it (so
   * at or above its acked_below) or after it (so above its sequence).
   */
  @Test
  void underConcurrencyNoWriteAcknowledgesAnotherStillInFlight() throws Exception {
    NodeWriteIds ids = NodeWriteIds.forNode("n1");
    Set<Long> seen = ConcurrentHashMap.newKeySet();
    AtomicReference<String> broken = new AtomicReference<>();
    int threads = 4;
    int writesEach = 20_000;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread w =
          new Thread(
              () -> {
                awaitQuietly(start);
                for (int i = 0; i < writesEach; i++) {
                  WriteId id = ids.assign();
                  if (!seen.add(id.getSequence())) {
                    broken.compareAndSet(
                        null, "sequence " + id.getSequence() + " handed out twice");
                  }
                  long oldest = ids.oldestInFlight();
                  if (oldest < id.getAckedBelow()) {
                    broken.compareAndSet(
                        null, "acked_below " + id.getAckedBelow() + " passes in-flight " + oldest);
                  }
                  ids.release(id);
                }
              });
      workers.add(w);
      w.start();
    }
    start.countDown();
    for (Thread w : workers) {
      w.join();
    }

    assertThat(broken.get()).isNull();
    assertThat(seen).hasSize(threads * writesEach);
    assertThat(ids.inFlightCount()).isZero();
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

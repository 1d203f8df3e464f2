package io.cairn.tests.jepsen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.tests.history.Op;
import io.cairn.tests.history.OpResult;
import io.grpc.Status;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The forwarding check against the in-memory store: it passes when every node takes the writes
 * (also after a few refusals within its window) and fails, naming the node, the shard and the last
 * error, when one node keeps refusing - the bug it exists for, a node answering every forwarded
 * write with UNAVAILABLE "this node is shutting down" after an election.
 */
class ForwardingCheckTest {

  private static final Map<Integer, String> KEYS = Map.of(1, "fwd-check-1", 2, "fwd-check-2-7");
  private final InMemoryStore store = InMemoryStore.linearizable();

  @Test
  void passesWhenEveryNodeTakesAWriteForEveryShard() {
    AtomicInteger writes = new AtomicInteger();
    ForwardingCheck check =
        check(Map.of(1, counting(writes), 2, counting(writes), 3, counting(writes)));

    check.verify(node -> true);

    assertThat(writes).as("3 nodes x 2 shards").hasValue(6);
    assertThat(check.summary()).startsWith("1 passed");
  }

  @Test
  void failsNamingTheNodeThatKeepsRefusingAndItsLastError() {
    ForwardingCheck check =
        check(Map.of(1, store.sender(), 2, refusing(Integer.MAX_VALUE), 3, store.sender()));

    assertThatThrownBy(() -> check.verify(node -> true))
        .isInstanceOf(LivenessViolation.class)
        .hasMessageContaining("n2 still refused writes")
        .hasMessageContaining("n2 -> shard 1 (key fwd-check-1)")
        .hasMessageContaining("n2 -> shard 2 (key fwd-check-2-7)")
        .hasMessageContaining("UNAVAILABLE: this node is shutting down")
        .hasMessageNotContaining("n1")
        .hasMessageNotContaining("n3");
  }

  @Test
  void passesWhenRefusalsEndWithinTheWindow() {
    ForwardingCheck check = check(Map.of(1, store.sender(), 2, store.sender(), 3, refusing(5)));

    check.verify(node -> true);

    assertThat(check.summary()).startsWith("1 passed");
  }

  @Test
  void asksOnlyTheNodesThatRun() {
    ForwardingCheck check =
        check(Map.of(1, store.sender(), 2, refusing(Integer.MAX_VALUE), 3, store.sender()));

    check.verify(node -> node != 2);
  }

  private static ForwardingCheck check(Map<Integer, OpSender> senders) {
    return new ForwardingCheck(
        KEYS, senders, Duration.ofMillis(400), Duration.ofSeconds(1), Duration.ofMillis(10));
  }

  private OpSender counting(AtomicInteger writes) {
    OpSender inner = store.sender();
    return new OpSender() {
      @Override
      public CompletableFuture<OpResult> send(Op op) {
        writes.incrementAndGet();
        return inner.send(op);
      }

      @Override
      public void close() {}
    };
  }

  /**
   * A node whose first {@code refusals} writes are refused as the broken forwarding refused them.
   */
  private OpSender refusing(int refusals) {
    AtomicInteger calls = new AtomicInteger();
    OpSender inner = store.sender();
    return new OpSender() {
      @Override
      public CompletableFuture<OpResult> send(Op op) {
        if (calls.incrementAndGet() <= refusals) {
          return CompletableFuture.failedFuture(
              Status.UNAVAILABLE
                  .withDescription("this node is shutting down")
                  .asRuntimeException());
        }
        return inner.send(op);
      }

      @Override
      public void close() {}
    };
  }
}

package io.cairn.node.replica;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AppliedIndexWaitersTest {
  @Test
  void completesWaitersInIndexOrderOnceReached() {
    AppliedIndexWaiters w = new AppliedIndexWaiters();
    var at5 = w.await(5);
    var at3 = w.await(3);
    w.advanceTo(4);
    assertThat(at3).isCompletedWithValue(4L);
    assertThat(at5).isNotDone();
    w.advanceTo(9);
    assertThat(at5).isCompletedWithValue(9L);
    assertThat(w.await(9)).isCompletedWithValue(9L);
  }

  @Test
  void neverMovesBackwards() {
    AppliedIndexWaiters w = new AppliedIndexWaiters();
    w.advanceTo(10);
    w.advanceTo(3);
    assertThat(w.await(10)).isDone();
  }

  @Test
  void failAllFailsPendingWaiters() {
    AppliedIndexWaiters w = new AppliedIndexWaiters();
    var f = w.await(100);
    w.failAll(new IllegalStateException("closed"));
    assertThat(f).isCompletedExceptionally();
  }

  @Test
  void aWaiterThatGaveUpLeavesTheQueue() {
    // Session reads wait for a client-supplied index that may never come on this replica.
    AppliedIndexWaiters w = new AppliedIndexWaiters();
    var unreachable = w.await(Long.MAX_VALUE);
    var cancelled = w.await(1_000_000);
    var kept = w.await(50);
    assertThat(w.waiting()).isEqualTo(3);

    unreachable.completeExceptionally(new java.util.concurrent.TimeoutException());
    cancelled.cancel(false);

    assertThat(w.waiting()).isEqualTo(1);
    w.advanceTo(50);
    assertThat(kept).isCompletedWithValue(50L);
    assertThat(w.waiting()).isZero();
  }
}

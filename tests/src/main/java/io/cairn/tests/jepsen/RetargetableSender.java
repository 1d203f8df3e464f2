package io.cairn.tests.jepsen;

import io.cairn.tests.history.Op;
import io.cairn.tests.history.OpResult;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One {@link PinnedNodeSender} per node, sending to whichever node is the current target: a reader
 * that keeps asking "the leader at the start of this cycle" across several cycles of one history.
 * Thread-safe; the target changes between operations.
 */
final class RetargetableSender implements OpSender {

  private final List<PinnedNodeSender> byNode;
  private volatile int target = 1;

  /**
   * @param byNode the sender of node i at index i - 1
   */
  RetargetableSender(List<PinnedNodeSender> byNode) {
    this.byNode = List.copyOf(byNode);
  }

  void target(int node) {
    if (node < 1 || node > byNode.size()) {
      throw new IllegalArgumentException("no node " + node);
    }
    target = node;
  }

  @Override
  public CompletableFuture<OpResult> send(Op op) {
    return byNode.get(target - 1).send(op);
  }

  @Override
  public void close() {
    byNode.forEach(PinnedNodeSender::close);
  }
}

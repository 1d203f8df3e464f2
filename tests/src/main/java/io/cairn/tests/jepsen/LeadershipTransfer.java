package io.cairn.tests.jepsen;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Moves a shard's leadership to a chosen node the way an operator does, with Cairn's {@code
 * Cluster.TransferLeader} ({@code cairnctl leader transfer}): the node becomes the shard's pinned
 * preferred leader in the map, and the shard's leader hands over once it has caught up. A scenario
 * uses it to put leadership where it needs it before a fault. (Ratis's own admin transfer is not
 * enough since Cairn's rebalancer moves preferred leaders: Ratis 3.3.0 refuses a transfer to a peer
 * without the highest priority, and the map decides priorities.)
 */
final class LeadershipTransfer {

  private LeadershipTransfer() {}

  /**
   * Makes node {@code node} the preferred leader of {@code shard}; returns once the map change has
   * committed (leadership follows shortly). Throws if the cluster refuses or does not answer.
   */
  static void transfer(LabCluster lab, int shard, int node, Duration timeout) {
    try {
      lab.control()
          .transferLeader(shard, "n" + node)
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while transferring leadership", e);
    } catch (Exception e) {
      throw new IllegalStateException(
          "shard " + shard + " did not take n" + node + " as its preferred leader: " + e, e);
    }
  }
}

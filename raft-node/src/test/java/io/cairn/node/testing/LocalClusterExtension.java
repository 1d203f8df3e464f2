package io.cairn.node.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh {@link LocalCluster} for every test, and the cluster invariant checked after every test
 * that passed: every shard's replicas reach the same applied index with the same state ({@link
 * LocalCluster#assertReplicasAgree}). Register it with {@code @RegisterExtension}.
 */
public final class LocalClusterExtension implements BeforeEachCallback, AfterEachCallback {
  private final UnaryOperator<LocalCluster.Builder> shape;
  private final List<String> brokenOnPurpose = new ArrayList<>();
  private LocalCluster cluster;

  /**
   * @param shape adjusts the default builder (3 nodes, 1 shard)
   */
  public LocalClusterExtension(UnaryOperator<LocalCluster.Builder> shape) {
    this.shape = shape;
  }

  public LocalCluster cluster() {
    return cluster;
  }

  /**
   * Leaves the replica of {@code shardId} on node {@code node} out of the check: the test broke it.
   */
  public void brokeOnPurpose(int node, int shardId) {
    brokenOnPurpose.add(node + ":" + shardId);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    brokenOnPurpose.clear();
    cluster = shape.apply(LocalCluster.builder()).start();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (cluster == null) {
      return; // it did not start; the test failed with the reason
    }
    try {
      if (context.getExecutionException().isEmpty()) {
        cluster.assertReplicasAgree(brokenOnPurpose.toArray(String[]::new));
      }
    } finally {
      cluster.close();
      cluster = null;
    }
  }
}

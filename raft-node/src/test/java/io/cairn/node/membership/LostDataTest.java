package io.cairn.node.membership;

import static io.cairn.node.membership.MembershipTest.assertAllReadable;
import static io.cairn.node.membership.MembershipTest.awaitPlacementMatchesMap;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.node.replica.RaftHost;
import io.cairn.node.testing.LocalCluster;
import io.cairn.node.testing.LocalClusterExtension;
import io.cairn.proto.ShardInfo;
import io.cairn.statemachine.ShardMaps;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 9, item 5: a seed whose disk was wiped comes back as a new member. It must never vote with
 * the log it lost: its replicas are dropped from every group's Raft configuration first and added
 * back through Raft's catch-up, so the groups' leaders are seen running without it in between.
 */
class LostDataTest {
  @RegisterExtension
  final LocalClusterExtension local =
      new LocalClusterExtension(
          b -> b.nodes(3).shards(2).config("membership.existing-cluster-probe-ms", "3000"));

  @Test
  void aWipedSeedIsRemovedFromItsGroupsAndAddedBackAsANewMember() throws Exception {
    LocalCluster cluster = local.cluster();
    cluster.awaitLeaders();
    Map<String, String> acked;
    try (MembershipTest.Writer writer = new MembershipTest.Writer(cluster, 200)) {
      await().atMost(Duration.ofSeconds(30)).until(() -> writer.acked.size() >= 100);
      writer.close();
      acked = writer.acked;
    }
    int wiped = cluster.followerOf(1);
    long epoch = cluster.map().getEpoch();
    cluster.stop(wiped);
    cluster.wipe(wiped);

    AtomicBoolean ranWithout = new AtomicBoolean();
    Thread watcher =
        new Thread(
            () -> {
              long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
              while (!ranWithout.get() && System.nanoTime() < end) {
                for (int i = 1; i <= 3; i++) {
                  if (i == wiped || !cluster.isRunning(i)) {
                    continue;
                  }
                  try {
                    cluster
                        .node(i)
                        .host()
                        .ledConf(cluster.groupOf(1), Long.MAX_VALUE)
                        .filter(c -> c.stable() && !c.voters().containsKey("n" + wiped))
                        .ifPresent(c -> ranWithout.set(true));
                  } catch (RuntimeException e) {
                    // a node mid-change: look again
                  }
                }
                // Samples the configuration every 5 ms; the window it looks for lasts longer.
                java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
              }
            },
            "conf-watcher");
    watcher.setDaemon(true);
    watcher.start();

    cluster.restart(wiped);
    awaitPlacementMatchesMap(cluster, 1, 2, 3);
    await("n" + wiped + " holds every group again")
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              for (ShardInfo g : ShardMaps.groups(cluster.map())) {
                if (!g.getReplicasList().contains("n" + wiped)
                    || !cluster.node(wiped).host().replicaReady(RaftHost.groupIdOf(g))) {
                  return false;
                }
              }
              return true;
            });
    watcher.join(60_000);
    assertThat(ranWithout)
        .as("shard 1's leader ran with a configuration without the wiped node")
        .isTrue();
    assertThat(cluster.map().getEpoch()).isGreaterThan(epoch + 1);
    assertAllReadable(cluster, acked, wiped);
  }
}

package io.cairn.node.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.ratis.protocol.RaftGroupId;
import org.junit.jupiter.api.Test;

/** The stop policy of ReplicaFailures: the disk stops the node, a broken invariant the replica. */
class ReplicaFailuresTest {
  private final List<String> halts = new CopyOnWriteArrayList<>();
  private final ReplicaFailures failures =
      new ReplicaFailures((reason, cause) -> halts.add(reason));
  private final RaftGroupId gid = RaftGroupId.randomId();

  @Test
  void aLogThatCannotBeWrittenStopsTheNode() {
    failures.logFailed(gid, "shard 2", new IOException("No space left on device"));
    assertThat(halts)
        .singleElement()
        .asString()
        .contains("shard 2")
        .contains("No space left on device")
        .contains("free space");
    assertThat(failures.of(gid)).isPresent();
  }

  @Test
  void anApplyThatFailsOnIoStopsTheNode() {
    RuntimeException thrown =
        failures.applyFailed(
            gid,
            "shard 2",
            17,
            new RuntimeException("MapDB volume error", new IOException("No space left on device")));
    assertThat(thrown).isInstanceOf(ReplicaHaltedException.class);
    assertThat(halts).singleElement().asString().contains("entry 17").contains("check the disk");
  }

  @Test
  void anApplyThatFailsOnABrokenInvariantStopsOnlyTheReplica() {
    RuntimeException thrown =
        failures.applyFailed(gid, "shard 2", 17, new IllegalArgumentException("index"));
    assertThat(thrown).isInstanceOf(ReplicaHaltedException.class);
    assertThat(halts).isEmpty();
    assertThat(failures.of(gid).orElseThrow().reason()).contains("entry 17").contains("stopped");
  }

  @Test
  void aReplicaClosedWhileTheNodeRunsStopsTheNodeButNotDuringShutdown() {
    failures.closed(gid, "shard 2");
    await().atMost(Duration.ofSeconds(10)).until(() -> halts.size() == 1);
    assertThat(halts.get(0)).contains("shard 2");
    RaftGroupId other = RaftGroupId.randomId();
    failures.nodeClosing();
    failures.closed(other, "shard 3");
    assertThat(failures.of(other)).isEmpty();
  }

  @Test
  void aReplicaThatRatisClosedBecauseItLeftItsGroupDoesNotStopTheNode() {
    RaftGroupId leaving = RaftGroupId.randomId();
    failures.closed(leaving, "meta group");
    // Ratis says why only after closing it.
    failures.leftGroup(leaving, "meta group");
    RaftGroupId failing = RaftGroupId.randomId();
    failures.closed(failing, "shard 4");
    await().atMost(Duration.ofSeconds(10)).until(() -> !halts.isEmpty());
    assertThat(halts).singleElement().asString().contains("shard 4");
    assertThat(failures.of(leaving)).isEmpty();
    assertThat(failures.hasLeft(leaving)).isTrue();
  }

  /**
   * MembershipTest saw this after a whole-cluster restart: the node removed a replica that had left
   * its group, the rebalancer moved the group back within the verdict's delay, and the verdict on
   * the old replica's close then found a group this node is a member of again.
   */
  @Test
  void aReplicaRemovedAndMovedBackBeforeTheVerdictDoesNotStopTheNode() {
    RaftGroupId moved = RaftGroupId.randomId();
    failures.closed(moved, "meta group");
    failures.leftGroup(moved, "meta group");
    failures.forget(moved); // removed here; a new replica of the group is created next
    RaftGroupId failing = RaftGroupId.randomId();
    failures.closed(failing, "shard 4");
    await().atMost(Duration.ofSeconds(10)).until(() -> !halts.isEmpty());
    assertThat(halts).singleElement().asString().contains("shard 4");
  }

  @Test
  void diskFailuresAreRecognisedThroughWrappers() {
    assertThat(ReplicaFailures.isDiskFailure(new UncheckedIOException(new IOException("x"))))
        .isTrue();
    assertThat(
            ReplicaFailures.isDiskFailure(
                new InternalError("a fault occurred in an unsafe memory access")))
        .isTrue();
    assertThat(ReplicaFailures.isDiskFailure(new IllegalStateException("bug"))).isFalse();
  }

  @Test
  void aReplicaIsLeavingWhenTheHostSaysSoOrRatisClosedItForLeaving() {
    RaftGroupId removing = RaftGroupId.randomId();
    RaftGroupId closed = RaftGroupId.randomId();
    failures.closesExpectedWhen(removing::equals);

    assertThat(failures.isLeaving(removing)).isTrue();
    assertThat(failures.isLeaving(closed)).isFalse();
    failures.leftGroup(closed, "shard 3");
    assertThat(failures.isLeaving(closed)).isTrue();
    assertThat(failures.isLeaving(gid)).isFalse();
  }
}

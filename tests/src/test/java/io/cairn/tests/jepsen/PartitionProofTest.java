package io.cairn.tests.jepsen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The proof's logic against a modelled network: what it accepts and what it refuses to believe. */
class PartitionProofTest {

  private static final int RAFT_PORT = 7100;

  /** A network where a connect from a to b works unless the link is dropped or b is down. */
  private static final class ModelNetwork implements PartitionProof.Reachability {
    final Set<Link> dropped = new HashSet<>();
    final Set<Integer> down = new HashSet<>();
    boolean rootCut;

    @Override
    public boolean canConnectFromNode(int fromNode, String host, int port) {
      int to = node(host);
      return !down.contains(to) && !dropped.contains(new Link(fromNode, to));
    }

    @Override
    public boolean canConnectFromRoot(String host, int port) {
      return !rootCut && !down.contains(node(host));
    }

    private static int node(String host) {
      return Integer.parseInt(host.substring(host.lastIndexOf('.') + 1));
    }
  }

  private final ModelNetwork network = new ModelNetwork();
  private final PartitionProof proof =
      new PartitionProof(network, i -> "10.77.0." + i, RAFT_PORT, 3);

  @Test
  void aCutThatDropsExactlyItsLinksIsProven() {
    Cut cut = Cut.isolate(3, 1);
    network.dropped.addAll(cut.links());

    PartitionProof.Evidence evidence = proof.verify(cut, n -> true);

    assertThat(evidence.cutPairsProven()).isEqualTo(4);
    assertThat(evidence.openPairsReached()).isEqualTo(2);
  }

  @Test
  void aLinkStillOpenAcrossTheCutIsABreach() {
    Cut cut = Cut.isolate(3, 1);
    network.dropped.add(new Link(1, 2)); // 1-3 left open: the rules did not take

    assertThatThrownBy(() -> proof.verify(cut, n -> true))
        .isInstanceOf(PartitionProof.NotCutException.class)
        .hasMessageContaining("n1 -> n3");
  }

  @Test
  void aDeadPeerProvesNothing() {
    Cut cut = Cut.isolate(3, 1);
    network.dropped.addAll(cut.links());
    network.rootCut =
        true; // nothing answers from the root namespace: failed connects prove nothing

    assertThatThrownBy(() -> proof.verify(cut, n -> true))
        .isInstanceOf(PartitionProof.NotCutException.class)
        .hasMessageContaining("could not be proven");
  }

  @Test
  void aDeadNetworkIsNotAPartition() {
    Cut cut = Cut.isolate(3, 1);
    network.dropped.addAll(Set.of(new Link(1, 2), new Link(1, 3), new Link(2, 3)));

    assertThatThrownBy(() -> proof.verify(cut, n -> true))
        .isInstanceOf(PartitionProof.NotCutException.class)
        .hasMessageContaining("cuts more than it should");
  }

  @Test
  void nodesThatAreNotRunningAreLeftOut() {
    Cut cut = Cut.isolate(3, 1);
    network.dropped.addAll(cut.links());
    network.down.add(3);

    PartitionProof.Evidence evidence = proof.verify(cut, n -> n != 3);

    assertThat(evidence.cutPairsProven()).isEqualTo(2);
    assertThat(evidence.openPairsReached()).isZero();
  }
}

package io.cairn.node.read;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReadLeaseTest {
  private static final long MS = 1_000_000L;
  private static final long ELECTION_MS_MIN = 300;
  private static final long LENGTH = (long) (ELECTION_MS_MIN * MS * ReadLease.CLOCK_RATE_MARGIN);

  @Test
  void aLeaseRunsForPartOfAnElectionTimeoutFromItsBarriersProposal() {
    ReadLease lease = new ReadLease();
    lease.grant(4, 7, 1_000 * MS, ELECTION_MS_MIN);
    assertThat(lease.holds(4, 7, 1_000 * MS + LENGTH - 1)).isTrue();
    assertThat(lease.holds(4, 7, 1_000 * MS + LENGTH)).isFalse();
    assertThat(LENGTH).isLessThan(ELECTION_MS_MIN * MS);
  }

  @Test
  void aLeaseHoldsOnlyInItsTermAndRaftConfiguration() {
    ReadLease lease = new ReadLease();
    lease.grant(4, 7, 1_000 * MS, ELECTION_MS_MIN);
    assertThat(lease.holds(5, 7, 1_010 * MS)).as("a later term").isFalse();
    assertThat(lease.holds(3, 7, 1_010 * MS)).as("an earlier term").isFalse();
    assertThat(lease.holds(4, 9, 1_010 * MS)).as("a configuration appended since").isFalse();
    lease.grant(4, 9, 1_020 * MS, ELECTION_MS_MIN);
    assertThat(lease.holds(4, 9, 1_030 * MS)).isTrue();
    assertThat(lease.holds(4, 7, 1_030 * MS)).isFalse();
  }

  @Test
  void noElectionTimeoutNoLease() {
    ReadLease lease = new ReadLease();
    lease.grant(4, 7, 1_000 * MS, 0);
    assertThat(lease.holds(4, 7, 1_000 * MS)).isFalse();
  }

  @Test
  void aLaterBarrierExtendsButAnOlderOneNeverShortens() {
    ReadLease lease = new ReadLease();
    lease.grant(4, 7, 1_000 * MS, ELECTION_MS_MIN);
    lease.grant(4, 7, 900 * MS, ELECTION_MS_MIN); // proposed earlier, committed late
    assertThat(lease.holds(4, 7, 1_000 * MS + LENGTH - 1)).isTrue();
    lease.grant(4, 7, 1_200 * MS, ELECTION_MS_MIN);
    assertThat(lease.holds(4, 7, 1_200 * MS + LENGTH - 1)).isTrue();
  }

  @Test
  void oneRenewalAtATimeOnceHalfTheLeaseIsGone() {
    ReadLease lease = new ReadLease();
    assertThat(lease.startRenewal(4, 7, 0)).as("no lease yet").isTrue();
    assertThat(lease.startRenewal(4, 7, 0)).as("one under way").isFalse();
    lease.grant(4, 7, 0, ELECTION_MS_MIN);
    lease.renewalOver();
    assertThat(lease.startRenewal(4, 7, LENGTH / 2 - 1)).isFalse();
    assertThat(lease.startRenewal(4, 7, LENGTH / 2 + 1)).isTrue();
    lease.renewalOver();
    assertThat(lease.startRenewal(5, 7, 1)).as("a lease of another term is no lease").isTrue();
    lease.renewalOver();
    assertThat(lease.startRenewal(4, 8, 1)).as("nor one of another configuration").isTrue();
  }
}

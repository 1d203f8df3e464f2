package io.cairn.node.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class LeadershipQuorumTest {
  /** Answers the test gives by hand, per peer; records the term each peer was asked about. */
  private final Map<String, CompletableFuture<Boolean>> answers = new HashMap<>();

  private final Map<String, Long> askedTerm = new HashMap<>();
  private final LeadershipQuorum.Asker asker =
      (peer, term) -> {
        askedTerm.put(peer, term);
        return answers.computeIfAbsent(peer, p -> new CompletableFuture<>());
      };

  @Test
  void oneOfTwoFollowersConfirmingIsAMajorityOfThree() throws Exception {
    CompletableFuture<Long> round =
        LeadershipQuorum.run("shard 1", 7, List.of("n2", "n3"), asker, t -> true);
    assertThat(askedTerm).containsEntry("n2", 7L).containsEntry("n3", 7L);
    answers.get("n3").complete(true);
    assertThat(round.get()).as("no need to wait for the slow or cut-off n2").isEqualTo(7);
  }

  @Test
  void noFollowerConfirmingFailsTheRound() {
    CompletableFuture<Long> round =
        LeadershipQuorum.run("shard 1", 7, List.of("n2", "n3"), asker, t -> true);
    answers.get("n2").complete(false);
    assertThat(round).isNotDone();
    answers.get("n3").completeExceptionally(new RuntimeException("deadline exceeded"));
    assertThatThrownBy(round::get)
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(LeadershipNotConfirmedException.class)
        .hasMessageContaining("term 7")
        .hasMessageContaining("2 of 2");
  }

  @Test
  void withFivePeersTwoFollowersMustConfirmAndThreeRefusalsEndTheRoundEarly() throws Exception {
    List<String> peers = List.of("n2", "n3", "n4", "n5");
    CompletableFuture<Long> round = LeadershipQuorum.run("shard 1", 3, peers, asker, t -> true);
    answers.get("n2").complete(true);
    assertThat(round).as("leader + 1 of 5 is no majority").isNotDone();
    answers.get("n3").complete(true);
    assertThat(round.get()).isEqualTo(3);

    answers.clear();
    CompletableFuture<Long> refused = LeadershipQuorum.run("shard 1", 3, peers, asker, t -> true);
    answers.get("n2").complete(false);
    answers.get("n3").complete(false);
    assertThat(refused).isNotDone();
    answers.get("n4").complete(false);
    assertThat(refused)
        .as("two yes are impossible now; n5 need not answer")
        .isCompletedExceptionally();
  }

  @Test
  void aLeaderThatLostItsTermMeanwhileFailsEvenWithAMajority() {
    CompletableFuture<Long> round =
        LeadershipQuorum.run("shard 1", 7, List.of("n2", "n3"), asker, t -> false);
    answers.get("n2").complete(true);
    assertThatThrownBy(round::get)
        .hasCauseInstanceOf(LeadershipNotConfirmedException.class)
        .hasMessageContaining("no longer leads");
  }

  @Test
  void aSingleReplicaShardNeedsNoPeers() throws Exception {
    assertThat(LeadershipQuorum.run("shard 1", 2, List.of(), asker, t -> true).get()).isEqualTo(2);
    assertThat(askedTerm).isEmpty();
  }

  @Test
  void anAskerThatThrowsCountsAsARefusal() {
    LeadershipQuorum.Asker throwing =
        (peer, term) -> {
          throw new IllegalStateException("no channel to " + peer);
        };
    CompletableFuture<Long> round =
        LeadershipQuorum.run("shard 1", 7, List.of("n2", "n3"), throwing, t -> true);
    assertThat(round).isCompletedExceptionally();
  }

  @Test
  void aLeaderOutsideTheVoterSetNeedsAMajorityOfThatSetWithoutItself() throws Exception {
    // A joint configuration's new voters when the leader is the replica being removed.
    List<String> voters = List.of("n2", "n3", "n4");
    CompletableFuture<Long> round =
        LeadershipQuorum.run("shard 1", 5, voters, false, asker, t -> true);
    answers.get("n2").complete(true);
    assertThat(round).as("1 of 3 is no majority").isNotDone();
    answers.get("n4").complete(true);
    assertThat(round.get()).isEqualTo(5);

    answers.clear();
    CompletableFuture<Long> refused =
        LeadershipQuorum.run("shard 1", 5, voters, false, asker, t -> true);
    answers.get("n2").complete(true);
    answers.get("n3").complete(false);
    answers.get("n4").complete(false);
    assertThatThrownBy(refused::get).hasCauseInstanceOf(LeadershipNotConfirmedException.class);
  }

  @Test
  void anEmptyVoterSetWithoutTheLeaderConfirmsNothing() {
    assertThatThrownBy(
            () -> LeadershipQuorum.run("shard 1", 5, List.of(), false, asker, t -> true).get())
        .hasCauseInstanceOf(LeadershipNotConfirmedException.class)
        .hasMessageContaining("no voters");
  }
}

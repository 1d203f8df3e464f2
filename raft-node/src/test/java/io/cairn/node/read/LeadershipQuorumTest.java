package io.cairn.node.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
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

  /** The hedge's delay, run by hand: {@link #hedgeFires()} asks the rest. */
  private final List<Runnable> hedges = new ArrayList<>();

  private final LeadershipQuorum.Hedge byHand =
      askTheRest -> {
        hedges.add(askTheRest);
        return () -> hedges.remove(askTheRest);
      };

  private void hedgeFires() {
    hedges.forEach(Runnable::run);
    hedges.clear();
  }

  private CompletableFuture<Long> hedged(List<String> peers) {
    return LeadershipQuorum.run("shard 1", 7, peers, true, asker, t -> true, byHand);
  }

  @Test
  void aHedgedRoundAsksOnlyTheFirstFollowerAndSucceedsOnItsYes() throws Exception {
    CompletableFuture<Long> round = hedged(List.of("n2", "n3"));
    assertThat(askedTerm).containsOnlyKeys("n2");
    answers.get("n2").complete(true);
    assertThat(round.get()).isEqualTo(7);
    assertThat(hedges).as("the delay is called off once the round is over").isEmpty();
    hedgeFires();
    assertThat(askedTerm).as("a round already decided asks nobody more").containsOnlyKeys("n2");
  }

  @Test
  void aHedgedRoundAsksTheOthersWhenTheDelayRunsOut() throws Exception {
    CompletableFuture<Long> round = hedged(List.of("n2", "n3"));
    hedgeFires();
    assertThat(askedTerm).containsOnlyKeys("n2", "n3");
    answers.get("n3").complete(true);
    assertThat(round.get()).as("the slow n2 is not waited for").isEqualTo(7);
  }

  @Test
  void aRefusalAsksTheNextFollowerAtOnce() throws Exception {
    CompletableFuture<Long> round = hedged(List.of("n2", "n3"));
    answers.get("n2").complete(false);
    assertThat(askedTerm).as("without waiting for the delay").containsOnlyKeys("n2", "n3");
    assertThat(round).isNotDone();
    answers.get("n3").complete(true);
    assertThat(round.get()).isEqualTo(7);
  }

  @Test
  void aHedgedRoundFailsOnlyWhenAMajorityCanNoLongerSayYes() {
    List<String> peers = List.of("n2", "n3", "n4", "n5");
    CompletableFuture<Long> round = hedged(peers);
    assertThat(askedTerm).as("2 yes needed besides the leader").containsOnlyKeys("n2", "n3");
    answers.get("n2").complete(false);
    answers.get("n3").completeExceptionally(new RuntimeException("unavailable"));
    assertThat(askedTerm).containsOnlyKeys("n2", "n3", "n4", "n5");
    assertThat(round).isNotDone();
    answers.get("n4").complete(false);
    assertThatThrownBy(round::get)
        .hasCauseInstanceOf(LeadershipNotConfirmedException.class)
        .hasMessageContaining("3 of 4");
  }

  @Test
  void aHedgedRoundNeedsAsManyYesAsAnUnhedgedOne() throws Exception {
    List<String> peers = List.of("n2", "n3", "n4", "n5");
    CompletableFuture<Long> round = hedged(peers);
    answers.get("n2").complete(true);
    assertThat(round).as("leader + 1 of 5 is no majority").isNotDone();
    hedgeFires();
    answers.get("n5").complete(true);
    assertThat(round.get()).isEqualTo(7);
  }

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
        LeadershipQuorum.run(
            "shard 1", 5, voters, false, asker, t -> true, LeadershipQuorum.ASK_ALL_AT_ONCE);
    answers.get("n2").complete(true);
    assertThat(round).as("1 of 3 is no majority").isNotDone();
    answers.get("n4").complete(true);
    assertThat(round.get()).isEqualTo(5);

    answers.clear();
    CompletableFuture<Long> refused =
        LeadershipQuorum.run(
            "shard 1", 5, voters, false, asker, t -> true, LeadershipQuorum.ASK_ALL_AT_ONCE);
    answers.get("n2").complete(true);
    answers.get("n3").complete(false);
    answers.get("n4").complete(false);
    assertThatThrownBy(refused::get).hasCauseInstanceOf(LeadershipNotConfirmedException.class);
  }

  @Test
  void anEmptyVoterSetWithoutTheLeaderConfirmsNothing() {
    assertThatThrownBy(
            () ->
                LeadershipQuorum.run(
                        "shard 1",
                        5,
                        List.of(),
                        false,
                        asker,
                        t -> true,
                        LeadershipQuorum.ASK_ALL_AT_ONCE)
                    .get())
        .hasCauseInstanceOf(LeadershipNotConfirmedException.class)
        .hasMessageContaining("no voters");
  }
}

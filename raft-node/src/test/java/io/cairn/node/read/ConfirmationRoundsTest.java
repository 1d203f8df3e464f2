package io.cairn.node.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class ConfirmationRoundsTest {
  /** Rounds the test completes by hand, numbered in the order they started. */
  private final List<CompletableFuture<Integer>> started = new ArrayList<>();

  private final ConfirmationRounds<Integer> rounds =
      new ConfirmationRounds<>(
          () -> {
            CompletableFuture<Integer> round = new CompletableFuture<>();
            started.add(round);
            return round;
          });

  @Test
  void theFirstCallerStartsARoundAtOnce() throws Exception {
    CompletableFuture<Integer> read = rounds.next();
    assertThat(started).hasSize(1);
    started.get(0).complete(0);
    assertThat(read.get()).isZero();
  }

  @Test
  void aCallerDuringARoundWaitsForTheNextOneNotTheRunningOne() throws Exception {
    CompletableFuture<Integer> early = rounds.next();
    CompletableFuture<Integer> late = rounds.next();
    assertThat(started).as("the late caller must not start a round of its own yet").hasSize(1);

    started.get(0).complete(0);

    assertThat(early.get()).isZero();
    assertThat(late).isNotDone();
    assertThat(started).as("the next round starts when the running one ends").hasSize(2);
    started.get(1).complete(1);
    assertThat(late.get()).isEqualTo(1);
  }

  @Test
  void everyCallerDuringARoundSharesTheNextRound() throws Exception {
    rounds.next();
    List<CompletableFuture<Integer>> batch = List.of(rounds.next(), rounds.next(), rounds.next());
    started.get(0).complete(0);
    started.get(1).complete(1);
    for (CompletableFuture<Integer> f : batch) {
      assertThat(f.get()).isEqualTo(1);
    }
    assertThat(started).hasSize(2);
  }

  @Test
  void aFailedRoundFailsItsCallersAndTheNextRoundStillRuns() throws Exception {
    CompletableFuture<Integer> early = rounds.next();
    CompletableFuture<Integer> late = rounds.next();
    started.get(0).completeExceptionally(new LeadershipNotConfirmedException("no majority"));
    assertThatThrownBy(early::get)
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(LeadershipNotConfirmedException.class);
    started.get(1).complete(1);
    assertThat(late.get()).isEqualTo(1);
  }

  @Test
  void aRoundThatThrowsWhenStartedFailsItsCallers() {
    ConfirmationRounds<Integer> broken =
        new ConfirmationRounds<>(
            () -> {
              throw new IllegalStateException("replica closed");
            });
    assertThatThrownBy(() -> broken.next().get()).hasCauseInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> broken.next().get())
        .as("and the next call tries again")
        .hasCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void afterAQuietSpellTheNextCallerStartsAFreshRound() throws Exception {
    CompletableFuture<Integer> first = rounds.next();
    started.get(0).complete(0);
    first.get();
    CompletableFuture<Integer> second = rounds.next();
    assertThat(started).hasSize(2);
    started.get(1).complete(1);
    assertThat(second.get()).isEqualTo(1);
  }
}

package io.cairn.node.read;

import io.cairn.node.runtime.Scheduler;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongPredicate;

/**
 * One leadership confirmation round: the leader of a shard in {@code term} asks the other replicas
 * whether they still follow this leader in exactly that term (as many as a majority needs first,
 * the others after a delay or a refusal: {@link Hedge}), and the round succeeds once a majority of
 * the replicas (the leader counting itself) has said yes and the leader, checked again at the end,
 * still leads in that term.
 *
 * <p>Why this proves a LINEARIZABLE read safe when the round started after the read arrived: a
 * write that completed before the read arrived was committed by a majority in its term. If that
 * term is later than {@code term}, that majority had moved past {@code term} before the round
 * began, and it shares a replica with the confirming majority, which would then have answered no.
 * So every write that completed before the read is in a term up to {@code term} and therefore in
 * this leader's log, committed by the time the leader became ready.
 *
 * <p>Ratis's own ReadIndex is not used for this: in 3.3.0 it answers without any heartbeat round
 * when its commit index was acknowledged by a majority at some earlier time, so a leader cut off
 * from the others keeps serving reads until it steps down (docs/correctness.md, found by the chaos
 * suite's stale-read scenario).
 */
final class LeadershipQuorum {
  /** Asks one replica's node; completes with its answer, false on any failure or timeout. */
  @FunctionalInterface
  interface Asker {
    CompletableFuture<Boolean> confirms(String peerId, long term);
  }

  private LeadershipQuorum() {}

  /**
   * When to ask the replicas a majority does not need. A round asks only as many as it needs at
   * first (the first in the list given), then the rest once {@code after} runs its task (a delay)
   * or as soon as one of them refuses or fails. Which replicas are asked changes neither what a
   * round proves nor when it may succeed: a majority saying yes, whichever it is.
   */
  @FunctionalInterface
  interface Hedge {
    /** Runs {@code askTheRest} later, or now; returns what calls it off once the round is over. */
    Scheduler.Cancellable after(Runnable askTheRest);
  }

  /** Every replica asked at once. */
  static final Hedge ASK_ALL_AT_ONCE =
      askTheRest -> {
        askTheRest.run();
        return () -> {};
      };

  /**
   * Runs a round among voters that include the leader, asking them all at once. Completes with
   * {@code term}, or fails with {@link LeadershipNotConfirmedException} as soon as a majority can
   * no longer say yes.
   *
   * @param peers the other replicas of the shard (not the leader itself)
   * @param stillLeads whether the local replica still leads in the given term, asked at the end
   */
  static CompletableFuture<Long> run(
      String shard, long term, List<String> peers, Asker asker, LongPredicate stillLeads) {
    return new Round(shard, term, peers, true, asker, stillLeads).start(ASK_ALL_AT_ONCE);
  }

  /**
   * Runs a round among {@code peers}, plus the leader if {@code leaderVotes}: a leader being
   * removed from a group (the new voters of a joint configuration) leads without being one of them,
   * and then a majority of {@code peers} alone must confirm it. Asks {@code peers} in their order
   * as {@code hedge} says.
   */
  static CompletableFuture<Long> run(
      String shard,
      long term,
      List<String> peers,
      boolean leaderVotes,
      Asker asker,
      LongPredicate stillLeads,
      Hedge hedge) {
    return new Round(shard, term, peers, leaderVotes, asker, stillLeads).start(hedge);
  }

  /** The questions and answers of one round. */
  private static final class Round {
    private final String shard;
    private final long term;
    private final List<String> peers;
    private final Asker asker;
    private final LongPredicate stillLeads;
    private final int replicas;
    private final int yesNeeded; // besides the leader's own
    private final int leaderYes; // 1 if the leader is a voter
    private final CompletableFuture<Long> result = new CompletableFuture<>();
    private final AtomicInteger asked = new AtomicInteger();
    private final AtomicInteger yes = new AtomicInteger();
    private final AtomicInteger no = new AtomicInteger();

    Round(
        String shard,
        long term,
        List<String> peers,
        boolean leaderVotes,
        Asker asker,
        LongPredicate stillLeads) {
      this.shard = shard;
      this.term = term;
      this.peers = peers;
      this.asker = asker;
      this.stillLeads = stillLeads;
      this.leaderYes = leaderVotes ? 1 : 0;
      this.replicas = peers.size() + leaderYes;
      this.yesNeeded = replicas / 2 + 1 - leaderYes;
    }

    CompletableFuture<Long> start(Hedge hedge) {
      if (replicas == 0) {
        result.completeExceptionally(
            new LeadershipNotConfirmedException(shard + ": no voters to confirm term " + term));
        return result;
      }
      if (yesNeeded == 0) {
        finish(1);
        return result;
      }
      askNext(yesNeeded);
      if (!result.isDone()) {
        Scheduler.Cancellable rest = hedge.after(() -> askNext(peers.size()));
        result.whenComplete((t, e) -> rest.cancel());
      }
      return result;
    }

    /** Asks up to {@code count} replicas not asked yet, unless the round is over. */
    private void askNext(int count) {
      for (int k = 0; k < count && !result.isDone(); k++) {
        int i = asked.getAndIncrement();
        if (i >= peers.size()) {
          return;
        }
        ask(peers.get(i));
      }
    }

    private void ask(String peer) {
      CompletableFuture<Boolean> answer;
      try {
        answer = asker.confirms(peer, term);
      } catch (RuntimeException e) {
        answer = CompletableFuture.completedFuture(false);
      }
      answer.whenComplete(
          (confirmed, error) -> {
            if (error == null && Boolean.TRUE.equals(confirmed)) {
              if (yes.incrementAndGet() == yesNeeded) {
                finish(yesNeeded + leaderYes);
              }
            } else if (no.incrementAndGet() == peers.size() - yesNeeded + 1) {
              result.completeExceptionally(
                  new LeadershipNotConfirmedException(
                      shard
                          + ": leadership in term "
                          + term
                          + " not confirmed: "
                          + no.get()
                          + " of "
                          + peers.size()
                          + " other replicas did not confirm it"));
            } else {
              askNext(1); // in place of the one that did not confirm
            }
          });
    }

    private void finish(int confirmed) {
      if (stillLeads.test(term)) {
        result.complete(term);
      } else {
        result.completeExceptionally(
            new LeadershipNotConfirmedException(
                shard
                    + ": "
                    + confirmed
                    + " of "
                    + replicas
                    + " replicas confirmed term "
                    + term
                    + ", but this replica no longer leads in it"));
      }
    }
  }
}

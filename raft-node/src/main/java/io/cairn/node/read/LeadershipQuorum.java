package io.cairn.node.read;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongPredicate;

/**
 * One leadership confirmation round: the leader of a shard in {@code term} asks every other replica
 * whether it still follows this leader in exactly that term, and the round succeeds once a majority
 * of the replicas (the leader counting itself) has said yes and the leader, checked again at the
 * end, still leads in that term.
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
   * Runs a round among voters that include the leader. Completes with {@code term}, or fails with
   * {@link LeadershipNotConfirmedException} as soon as a majority can no longer say yes.
   *
   * @param peers the other replicas of the shard (not the leader itself)
   * @param stillLeads whether the local replica still leads in the given term, asked at the end
   */
  static CompletableFuture<Long> run(
      String shard, long term, List<String> peers, Asker asker, LongPredicate stillLeads) {
    return run(shard, term, peers, true, asker, stillLeads);
  }

  /**
   * Runs a round among {@code peers}, plus the leader if {@code leaderVotes}: a leader being
   * removed from a group (the new voters of a joint configuration) leads without being one of them,
   * and then a majority of {@code peers} alone must confirm it.
   */
  static CompletableFuture<Long> run(
      String shard,
      long term,
      List<String> peers,
      boolean leaderVotes,
      Asker asker,
      LongPredicate stillLeads) {
    int replicas = peers.size() + (leaderVotes ? 1 : 0);
    int yesNeeded = replicas / 2 + 1 - (leaderVotes ? 1 : 0); // besides the leader's own
    CompletableFuture<Long> result = new CompletableFuture<>();
    if (replicas == 0) {
      result.completeExceptionally(
          new LeadershipNotConfirmedException(shard + ": no voters to confirm term " + term));
      return result;
    }
    if (yesNeeded == 0) {
      finish(result, shard, term, stillLeads, 1, replicas);
      return result;
    }
    AtomicInteger yes = new AtomicInteger();
    AtomicInteger no = new AtomicInteger();
    for (String peer : peers) {
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
                finish(
                    result, shard, term, stillLeads, yesNeeded + (leaderVotes ? 1 : 0), replicas);
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
            }
          });
    }
    return result;
  }

  private static void finish(
      CompletableFuture<Long> result,
      String shard,
      long term,
      LongPredicate stillLeads,
      int confirmed,
      int replicas) {
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

package io.cairn.node.membership;

import io.cairn.proto.ReplicaMove;
import io.cairn.proto.ShardInfo;
import io.cairn.statemachine.ShardMaps;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the leader of a group does next so that the group's Raft configuration follows the shard
 * map: the voters the map wants (its replicas, with a move applied), the first of them preferred as
 * leader. Pure: the caller reads the configuration, asks, and carries the answer out.
 *
 * <p>Leadership goes to the preferred replica by explicit hand-overs, never by Raft priorities:
 * every voter has priority 0. Ratis lets a voter refuse a candidate of lower priority whose log is
 * as long as its own, and a voter can hold a stale view of the configuration (seen: n3 on the
 * configuration of index 1308 while its log, like n1's, ended at 2337 and n1 held the one of 1638).
 * Each survivor then saw itself as the preferred replica and refused the other; the shard had no
 * leader for good after its leader was killed (FailoverIT, 2026-12-04). With equal priorities a
 * vote depends on the logs alone, as in Raft. (A group starts with its preferred replica at
 * priority 1, so that it wins the first election, RaftHost.peersOf; the first thing its leader does
 * is make them equal. No two replicas ever each hold the higher one, so no deadlock.)
 *
 * <p>The steps of a move, each decided afresh from the map and the configuration, so a leader
 * elected in the middle of one (or after a crash) simply carries on:
 *
 * <ol>
 *   <li>the voters are the map's replicas and the map has a move: if the leader is the replica
 *       moving away, it first hands leadership over (priorities), then the new leader goes on;
 *   <li>otherwise one configuration change to the wanted voters. Ratis catches a new voter up
 *       (snapshot, then log) before the change takes effect and then goes through joint consensus,
 *       so the group never has fewer voters than before nor a majority that misses committed
 *       entries;
 *   <li>the voters are the wanted ones and the map still has the move: the map is finished (the
 *       target replaces the source, the move is cleared).
 * </ol>
 *
 * A move cancelled after step 2 leaves voters the map does not want, so the configuration is
 * changed back the same way.
 */
public final class ConfPlan {
  /** What to do. */
  public sealed interface Action {}

  /** The configuration matches the map. */
  public record Nothing() implements Action {}

  /** A configuration change is under way (Ratis's joint consensus or its catch-up). */
  public record Wait(String why) implements Action {}

  /** Propose the current voters with these priorities (all 0: clears those older nodes set). */
  public record SetPriorities(Map<String, Integer> priorities) implements Action {}

  /**
   * Propose these voters (in the map's order) with these priorities; {@code added} are not voters
   * yet and must have created their replica first.
   */
  public record ChangeVoters(
      List<String> voters, Map<String, Integer> priorities, List<String> added) implements Action {}

  /**
   * Another replica should lead: ask Ratis to hand over (it holds new writes back until the target
   * has caught up, then makes it campaign).
   */
  public record TransferLeadership(String to) implements Action {}

  /** The configuration has the move's result: record it in the map. */
  public record FinishMove(ReplicaMove move) implements Action {}

  private ConfPlan() {}

  /**
   * @param group the group as the meta group's current map has it
   * @param self the leader's node id
   * @param voters the current voters and their priorities
   * @param stable false while a configuration change is in progress
   * @param responsive the followers that answered the leader recently: leadership is only handed to
   *     one of them (a hand-over to a dead node would refuse writes until it times out)
   */
  public static Action next(
      ShardInfo group,
      String self,
      Map<String, Integer> voters,
      boolean stable,
      Set<String> responsive) {
    if (!stable) {
      return new Wait("a configuration change is in progress");
    }
    if (voters.values().stream().anyMatch(p -> p != 0)) {
      // A new group's first priorities, or an older node's: made equal before anything else.
      return new SetPriorities(prioritiesOf(List.copyOf(voters.keySet())));
    }
    List<String> wanted = ShardMaps.wantedVoters(group);
    if (voters.keySet().equals(Set.copyOf(wanted))) {
      if (ShardMaps.moving(group)) {
        return new FinishMove(group.getMove());
      }
      String preferred = wanted.get(0);
      return preferred.equals(self) || !responsive.contains(preferred)
          ? new Nothing()
          : new TransferLeadership(preferred);
    }
    if (!wanted.contains(self)) {
      // Removing the leader itself would make it step down and leave the group without a leader
      // for an election timeout; hand leadership to a voter that stays first.
      String successor = wanted.stream().filter(voters::containsKey).findFirst().orElse(null);
      if (successor != null) {
        return responsive.contains(successor)
            ? new TransferLeadership(successor)
            : new Wait("waiting for " + successor + " to answer before handing leadership over");
      }
    }
    List<String> added = wanted.stream().filter(v -> !voters.containsKey(v)).toList();
    return new ChangeVoters(wanted, prioritiesOf(wanted), added);
  }

  /** Every voter 0 (see the class comment). */
  static Map<String, Integer> prioritiesOf(List<String> voters) {
    Map<String, Integer> p = new HashMap<>();
    voters.forEach(v -> p.put(v, 0));
    return p;
  }
}

package io.cairn.node.replica;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.apache.ratis.protocol.RaftGroupId;

/**
 * Tells whoever waits that a group's leadership moved on: a replica here learned of a new leader
 * (or of none), or became a leader ready to serve. Requests that reached this node while their
 * shard was between leaders wait on it instead of failing back to the client. Thread-safe.
 */
public final class LeaderEvents {
  /** A registered wake-up; cancelling it before the event drops it. */
  @FunctionalInterface
  public interface Registration {
    void cancel();
  }

  private final Map<RaftGroupId, Set<Runnable>> waiting = new ConcurrentHashMap<>();
  private final Executor wakeOn;

  /**
   * @param wakeOn where waiters run: never on the Ratis thread that reports the event
   */
  public LeaderEvents(Executor wakeOn) {
    this.wakeOn = wakeOn;
  }

  /**
   * Runs {@code wake} (a fresh object per call) once, at the group's next leadership event here. An
   * event just before the registration is missed: callers that cannot afford that register before
   * looking at the state the event would change ({@link io.cairn.node.routing.BetweenLeaders}
   * retries on a timer as well instead).
   */
  public Registration onNext(RaftGroupId gid, Runnable wake) {
    Set<Runnable> set = waiting.computeIfAbsent(gid, g -> ConcurrentHashMap.newKeySet());
    set.add(wake);
    return () -> set.remove(wake);
  }

  /** Called by this node's replicas of the group. */
  public void happened(RaftGroupId gid) {
    Set<Runnable> woken = waiting.get(gid);
    if (woken == null) {
      return;
    }
    for (Runnable w : woken) {
      if (woken.remove(w)) {
        wakeOn.execute(w);
      }
    }
  }
}

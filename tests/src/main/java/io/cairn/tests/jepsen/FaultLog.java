package io.cairn.tests.jepsen;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What the nemesis did, for the run's report: each fault applied (with what it hit and when), each
 * leader kill (for the failover figures) and each partition proof. Thread-safe.
 */
public final class FaultLog {

  /** One fault applied at {@code startNanos} and healed at {@code endNanos} (0 while active). */
  public record Event(Fault fault, String target, long startNanos, long endNanos) {}

  private final List<Event> events = new ArrayList<>();
  private final List<LeaderKill> leaderKills = new ArrayList<>();
  private final List<String> proofs = new ArrayList<>();

  synchronized int started(Fault fault, String target, long nanos) {
    events.add(new Event(fault, target, nanos, 0));
    return events.size() - 1;
  }

  synchronized void healed(int event, long nanos) {
    Event e = events.get(event);
    events.set(event, new Event(e.fault(), e.target(), e.startNanos(), nanos));
  }

  synchronized void leaderKilled(LeaderKill kill) {
    leaderKills.add(kill);
  }

  synchronized void partitionProven(String proof) {
    proofs.add(proof);
  }

  public synchronized List<Event> events() {
    return List.copyOf(events);
  }

  public synchronized List<LeaderKill> leaderKills() {
    return List.copyOf(leaderKills);
  }

  public synchronized List<String> partitionProofs() {
    return List.copyOf(proofs);
  }

  public synchronized Map<Fault, Integer> countsByFault() {
    Map<Fault, Integer> counts = new EnumMap<>(Fault.class);
    events.forEach(e -> counts.merge(e.fault(), 1, Integer::sum));
    return counts;
  }
}

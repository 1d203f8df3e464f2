package io.cairn.tests.jepsen;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs a {@link FaultPlan} on its own thread: for each episode, a quiet gap, the faults applied,
 * held, then healed in reverse order - healing happens also when the episode fails or the nemesis
 * is stopped, so no fault outlives its episode. The first failure (a partition that does not cut, a
 * node that does not come back) stops the nemesis and is kept for the run to report.
 */
final class Nemesis implements Runnable {

  private final List<FaultPlan.Episode> plan;
  private final FaultInjector injector;
  private final FaultLog log;
  private final Consumer<String> progress;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile Throwable failure;
  private volatile int episodesRun;

  Nemesis(
      List<FaultPlan.Episode> plan,
      FaultInjector injector,
      FaultLog log,
      Consumer<String> progress) {
    this.plan = List.copyOf(plan);
    this.injector = injector;
    this.log = log;
    this.progress = progress;
  }

  @Override
  public void run() {
    try {
      for (FaultPlan.Episode episode : plan) {
        if (waitOrStop(episode.gapBefore())) {
          return;
        }
        runEpisode(episode);
        episodesRun++;
      }
    } catch (Throwable t) {
      failure = t;
      progress.accept("nemesis failed: " + t.getMessage());
    }
  }

  private void runEpisode(FaultPlan.Episode episode) {
    Random random = new Random(episode.targetSeed());
    List<FaultInjector.Applied> applied = new ArrayList<>();
    List<Integer> events = new ArrayList<>();
    RuntimeException healFailure = null;
    try {
      for (Fault fault : episode.faults()) {
        long start = System.nanoTime();
        FaultInjector.Applied a = injector.apply(fault, random);
        if (a.skipped()) {
          progress.accept("episode " + episode.number() + ": " + fault + " skipped: " + a.target());
          continue;
        }
        applied.add(a);
        events.add(log.started(fault, a.target(), start));
        progress.accept(
            "episode "
                + episode.number()
                + ": "
                + fault
                + " "
                + a.target()
                + " for "
                + episode.hold().toMillis()
                + " ms");
      }
      waitOrStop(episode.hold());
    } finally {
      // Membership changes heal last: taking a drained node back is a map change, which needs the
      // meta group, so the network and the processes must be whole again first (healed the other
      // way round, it waited for a quorum that the slow link still in force kept from it).
      for (boolean membership : new boolean[] {false, true}) {
        for (int i = applied.size() - 1; i >= 0; i--) {
          if ((applied.get(i).fault().category() == Fault.Category.MEMBERSHIP) != membership) {
            continue;
          }
          try {
            applied.get(i).heal().run();
            log.healed(events.get(i), System.nanoTime());
          } catch (RuntimeException e) {
            healFailure = healFailure == null ? e : healFailure;
          }
        }
      }
    }
    if (healFailure != null) {
      throw healFailure;
    }
    if (applied.stream().anyMatch(a -> a.fault().changesShape())) {
      injector.awaitRecoveredAndVerified();
    } else {
      injector.awaitRecovered();
    }
  }

  /** Waits {@code d} unless stopped first; returns whether the nemesis was stopped. */
  private boolean waitOrStop(Duration d) {
    try {
      return stopped.await(d.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  /** Ends the current hold or gap early; the episode in force is healed before the thread ends. */
  void stop() {
    stopped.countDown();
  }

  Throwable failure() {
    return failure;
  }

  int episodesRun() {
    return episodesRun;
  }
}

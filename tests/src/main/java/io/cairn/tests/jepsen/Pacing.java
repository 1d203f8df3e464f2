package io.cairn.tests.jepsen;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Pauses of the run's own schedule (the nemesis's gaps and holds, polling a node's health). */
final class Pacing {

  private Pacing() {}

  /** Sleeps {@code d}; an interrupt ends the pause early and keeps the interrupt flag. */
  static void pause(Duration d) {
    try {
      TimeUnit.NANOSECONDS.sleep(d.toNanos());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

package io.cairn.node.runtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node takes from its environment rather than reaching for it: the clock, the scheduler and
 * what to do on a fatal error. {@code CairnNode} passes these to every server component.
 */
public record NodeRuntime(NodeClock clock, Scheduler scheduler, FatalErrors fatal) {
  private static final Logger LOG = LoggerFactory.getLogger(NodeRuntime.class);

  /** The system clock, a thread scheduler, and a fatal error ends the process. */
  public static NodeRuntime production() {
    return new NodeRuntime(
        NodeClock.system(),
        new ThreadScheduler("cairn-timer", 2),
        (reason, cause) -> {
          LOG.error(
              "FATAL: {}; the node stops now (exit code {}) for its supervisor to restart it",
              reason,
              FatalErrors.HALT_EXIT_CODE,
              cause);
          System.err.println("cairn-node: FATAL: " + reason);
          System.err.flush();
          // halt, not exit: shutdown hooks would close Ratis gracefully, and a graceful close
          // writes
          // to the very disk or log that just failed.
          Runtime.getRuntime().halt(FatalErrors.HALT_EXIT_CODE);
        });
  }
}

package io.cairn.node.runtime;

/**
 * Where the server reads time. Every server-side use of a clock goes through the one instance
 * {@code CairnNode} is given, so a test can skew one node's clock or drive time by hand.
 */
public interface NodeClock {
  /** Wall-clock time in ms since the epoch: what a leader stamps into the entries it proposes. */
  long wallMs();

  /** A monotonic reading in nanoseconds, for durations only. */
  long nanoTime();

  /** The JVM's clocks. */
  static NodeClock system() {
    return SystemClock.INSTANCE;
  }

  /** This clock with its wall time moved by {@code offsetMs} (a node whose clock is wrong). */
  default NodeClock skewedBy(long offsetMs) {
    NodeClock base = this;
    return new NodeClock() {
      @Override
      public long wallMs() {
        return base.wallMs() + offsetMs;
      }

      @Override
      public long nanoTime() {
        return base.nanoTime();
      }
    };
  }

  /** The system clock; a class of its own so it prints as such in a config dump. */
  enum SystemClock implements NodeClock {
    INSTANCE;

    @Override
    public long wallMs() {
      return System.currentTimeMillis();
    }

    @Override
    public long nanoTime() {
      return System.nanoTime();
    }
  }
}

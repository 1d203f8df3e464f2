package io.cairn.node.testing;

import io.cairn.node.runtime.NodeClock;
import java.util.concurrent.atomic.AtomicLong;

/** A {@link NodeClock} that moves only when a test says so. Thread-safe. */
public final class ManualClock implements NodeClock {
  private final AtomicLong wallMs;
  private final AtomicLong nanos = new AtomicLong();

  public ManualClock(long wallMs) {
    this.wallMs = new AtomicLong(wallMs);
  }

  @Override
  public long wallMs() {
    return wallMs.get();
  }

  @Override
  public long nanoTime() {
    return nanos.get();
  }

  /** Moves both readings forward by {@code ms}. */
  public void advance(long ms) {
    wallMs.addAndGet(ms);
    nanos.addAndGet(ms * 1_000_000);
  }
}

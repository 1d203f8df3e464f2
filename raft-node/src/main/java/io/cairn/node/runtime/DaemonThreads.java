package io.cairn.node.runtime;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread factories for the node's own executors. Daemon threads, so that a node whose shutdown hook
 * has run is never held open by an idle pool; named, so a thread dump or a profile says whose work
 * a thread does.
 */
public final class DaemonThreads {
  private DaemonThreads() {}

  /** Every thread named {@code name} (for a single thread, or a pool whose threads are alike). */
  public static ThreadFactory named(String name) {
    return r -> daemon(r, name);
  }

  /** Threads named {@code prefix-1}, {@code prefix-2}, ... */
  public static ThreadFactory numbered(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> daemon(r, prefix + "-" + n.incrementAndGet());
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}

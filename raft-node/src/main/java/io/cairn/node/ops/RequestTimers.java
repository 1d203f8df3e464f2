package io.cairn.node.ops;

import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The latency timers of one kind of client request (an operation at a consistency level), one per
 * outcome. Looked up once per kind, not per request: building and registering a Micrometer meter
 * (id, sorted tags, registry lookup) on every request cost more than recording into it.
 */
public final class RequestTimers {
  private final Timer ok;
  private final Map<String, Timer> failures = new ConcurrentHashMap<>();
  private final Function<String, Timer> timerFor;

  RequestTimers(Function<String, Timer> timerFor) {
    this.timerFor = timerFor;
    this.ok = timerFor.apply("OK");
  }

  public void succeeded(long nanos) {
    ok.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** {@code outcome}: the gRPC status code's name; a handful of values, each registered once. */
  public void failed(String outcome, long nanos) {
    Timer t = failures.get(outcome);
    if (t == null) {
      t = failures.computeIfAbsent(outcome, timerFor);
    }
    t.record(nanos, TimeUnit.NANOSECONDS);
  }
}

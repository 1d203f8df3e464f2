package io.cairn.node.ops;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.ratis.metrics.LongCounter;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.Timekeeper;
import org.apache.ratis.util.TimeDuration;

/**
 * Where Ratis records its own metrics in a Cairn node: counts and total times only.
 *
 * <p>Ratis finds its metrics implementation with {@link java.util.ServiceLoader} (this class is
 * named in {@code META-INF/services}). Its default one keeps a Dropwizard timer per metric, whose
 * exponentially decaying reservoir takes a lock and a skip-list insert per sample, and Ratis times
 * several steps of every log entry on every replica: 2.5 % of the three nodes' CPU under 64 clients
 * of writes (docs/benchmarks.md), for figures nobody read, as Cairn exported none of them. Here a
 * timer is two {@link LongAdder}s, and the node exports the few that explain a write's latency (log
 * flushes, the log worker's queue, a follower's append) through Micrometer ({@link
 * RaftStageMeters}).
 *
 * <p>Registries are counted as in Ratis's own implementation: {@link #create} of an existing one
 * returns it and counts one more holder, {@link #remove} counts one less and unregisters it at
 * zero. But a registry is never replaced: Ratis goes on recording into one it unregistered (a
 * leader that steps down unregisters its server registry, whose follower-append timer the division,
 * now a follower, keeps using; the first of a leader's appenders to stop unregisters the registry
 * all its appenders share), so creating it again brings back the same object, and {@link #timers}
 * reads registered and unregistered ones alike. One small registry per group member and component
 * that this process ever hosted.
 */
public final class RatisMeters extends MetricRegistries {
  private final Map<MetricRegistryInfo, Held> registries = new ConcurrentHashMap<>();
  private final Map<MetricRegistryInfo, Registry> everCreated = new ConcurrentHashMap<>();
  private final List<Consumer<RatisMetricRegistry>> onCreate = new CopyOnWriteArrayList<>();
  private final List<Consumer<RatisMetricRegistry>> onRemove = new CopyOnWriteArrayList<>();

  /** Ratis's global instance, which is this class unless another implementation was added. */
  public static Optional<RatisMeters> installed() {
    return MetricRegistries.global() instanceof RatisMeters m ? Optional.of(m) : Optional.empty();
  }

  /**
   * The timers whose names {@code names} accepts, of the registry for {@code prefix} (a group
   * member, as Ratis names it: {@code n1@group-...}), {@code application} ({@code ratis}, {@code
   * ratis_grpc}) and {@code component} ({@code log_worker}, {@code server}, ...); none while that
   * registry does not exist.
   */
  public List<Timer> timers(
      String prefix, String application, String component, Predicate<String> names) {
    for (Registry r : everCreated.values()) {
      MetricRegistryInfo info = r.getMetricRegistryInfo();
      if (info.getPrefix().equals(prefix)
          && info.getApplicationName().equals(application)
          && info.getMetricsComponentName().equals(component)) {
        return r.timers(names);
      }
    }
    return List.of();
  }

  @Override
  public RatisMetricRegistry create(MetricRegistryInfo info) {
    boolean[] registered = new boolean[1]; // decided inside compute: a second create may race
    Held held =
        registries.compute(
            info,
            (k, h) -> {
              if (h != null) {
                h.holders++;
                return h;
              }
              registered[0] = true;
              return new Held(everCreated.computeIfAbsent(k, Registry::new));
            });
    if (registered[0]) {
      onCreate.forEach(c -> c.accept(held.registry));
    }
    return held.registry;
  }

  @Override
  public boolean remove(MetricRegistryInfo info) {
    Registry[] dropped = new Registry[1];
    registries.computeIfPresent(
        info,
        (k, h) -> {
          if (--h.holders > 0) {
            return h;
          }
          dropped[0] = h.registry;
          return null;
        });
    if (dropped[0] != null) {
      onRemove.forEach(c -> c.accept(dropped[0]));
    }
    return dropped[0] != null;
  }

  @Override
  public Optional<RatisMetricRegistry> get(MetricRegistryInfo info) {
    return Optional.ofNullable(registries.get(info)).map(h -> h.registry);
  }

  @Override
  public Set<MetricRegistryInfo> getMetricRegistryInfos() {
    return Set.copyOf(registries.keySet());
  }

  @Override
  public Collection<RatisMetricRegistry> getMetricRegistries() {
    return registries.values().stream().map(h -> (RatisMetricRegistry) h.registry).toList();
  }

  @Override
  public void clear() {
    registries.clear();
    everCreated.clear();
  }

  @Override
  public void addReporterRegistration(
      Consumer<RatisMetricRegistry> created, Consumer<RatisMetricRegistry> removed) {
    onCreate.add(created);
    onRemove.add(removed);
  }

  @Override
  public void removeReporterRegistration(
      Consumer<RatisMetricRegistry> created, Consumer<RatisMetricRegistry> removed) {
    onCreate.remove(created);
    onRemove.remove(removed);
  }

  /** Not offered: a node's metrics are on its HTTP port ({@code /metrics}). */
  @Override
  public void enableJmxReporter() {}

  /** Not offered: a node's metrics are on its HTTP port ({@code /metrics}). */
  @Override
  public void enableConsoleReporter(TimeDuration period) {}

  private static final class Held {
    final Registry registry;
    int holders = 1; // changed only inside the map's compute, which serializes it per key

    Held(Registry registry) {
      this.registry = registry;
    }
  }

  /** One Ratis component's metrics: timers, counters and gauges by name. */
  public static final class Registry implements RatisMetricRegistry {
    private final MetricRegistryInfo info;
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Supplier<?>> gauges = new ConcurrentHashMap<>();

    Registry(MetricRegistryInfo info) {
      this.info = info;
    }

    @Override
    public Timer timer(String name) {
      return timers.computeIfAbsent(name, n -> new Timer());
    }

    List<Timer> timers(Predicate<String> names) {
      return timers.entrySet().stream()
          .filter(e -> names.test(e.getKey()))
          .map(Map.Entry::getValue)
          .toList();
    }

    @Override
    public Counter counter(String name) {
      return counters.computeIfAbsent(name, n -> new Counter());
    }

    /** Kept, not evaluated: Ratis's gauges are read only by a reporter, and Cairn has none. */
    @Override
    public <T> void gauge(String name, Supplier<Supplier<T>> gaugeSupplier) {
      gauges.put(name, gaugeSupplier);
    }

    @Override
    public boolean remove(String name) {
      return timers.remove(name) != null
          | counters.remove(name) != null
          | gauges.remove(name) != null;
    }

    @Override
    public MetricRegistryInfo getMetricRegistryInfo() {
      return info;
    }
  }

  /** A count of timed events and their total time. */
  public static final class Timer implements Timekeeper {
    private final LongAdder count = new LongAdder();
    private final LongAdder totalNanos = new LongAdder();

    @Override
    public Context time() {
      long start = System.nanoTime();
      return () -> {
        long elapsed = System.nanoTime() - start;
        count.increment();
        totalNanos.add(elapsed);
        return elapsed;
      };
    }

    public long count() {
      return count.sum();
    }

    public long totalNanos() {
      return totalNanos.sum();
    }
  }

  /** A counter that Ratis may also decrement. */
  public static final class Counter implements LongCounter {
    private final LongAdder value = new LongAdder();

    @Override
    public void inc(long n) {
      value.add(n);
    }

    @Override
    public void dec(long n) {
      value.add(-n);
    }

    @Override
    public long getCount() {
      return value.sum();
    }
  }
}

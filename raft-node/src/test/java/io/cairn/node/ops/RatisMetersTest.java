package io.cairn.node.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.Timekeeper;
import org.junit.jupiter.api.Test;

class RatisMetersTest {
  private static final MetricRegistryInfo LOG_WORKER =
      new MetricRegistryInfo("n1@group-000000000001", "ratis", "log_worker", "test");

  @Test
  void ratisFindsCairnsImplementationAndNoOther() {
    // Two implementations on the classpath would leave the choice to ServiceLoader's order.
    assertThat(MetricRegistries.global()).isInstanceOf(RatisMeters.class);
    assertThat(RatisMeters.installed()).isPresent();
  }

  @Test
  void aTimerCountsItsEventsAndTheirTotalTime() {
    RatisMeters meters = new RatisMeters();
    RatisMetricRegistry registry = meters.create(LOG_WORKER);

    Timekeeper.Context first = registry.timer("flushTime").time();
    long firstNanos = first.stop();
    try (var second = Timekeeper.start(registry.timer("flushTime"))) {
      assertThat(second).isNotNull();
    }

    List<RatisMeters.Timer> found =
        meters.timers("n1@group-000000000001", "ratis", "log_worker", "flushTime"::equals);
    assertThat(found).hasSize(1);
    assertThat(found.get(0).count()).isEqualTo(2);
    assertThat(found.get(0).totalNanos()).isGreaterThanOrEqualTo(firstNanos).isPositive();
    assertThat(meters.timers("n1@group-000000000001", "ratis", "server", n -> true)).isEmpty();
    assertThat(meters.timers("n1@group-000000000001", "ratis_grpc", "log_worker", n -> true))
        .isEmpty();
    assertThat(meters.timers("n1@group-000000000001", "ratis", "log_worker", "syncTime"::equals))
        .isEmpty();
  }

  @Test
  void countersGoUpAndDown() {
    RatisMetricRegistry registry = new RatisMeters().create(LOG_WORKER);

    registry.counter("flushCount").inc();
    registry.counter("flushCount").inc(4);
    registry.counter("flushCount").dec();

    assertThat(registry.counter("flushCount").getCount()).isEqualTo(4);
  }

  @Test
  void aRegistryLivesUntilItsLastHolderRemovesIt() {
    RatisMeters meters = new RatisMeters();
    List<MetricRegistryInfo> created = new ArrayList<>();
    List<MetricRegistryInfo> removed = new ArrayList<>();
    meters.addReporterRegistration(
        r -> created.add(r.getMetricRegistryInfo()), r -> removed.add(r.getMetricRegistryInfo()));

    RatisMetricRegistry first = meters.create(LOG_WORKER);
    RatisMetricRegistry again = meters.create(LOG_WORKER);
    assertThat(again).isSameAs(first);
    assertThat(created).containsExactly(LOG_WORKER);

    assertThat(meters.remove(LOG_WORKER)).isFalse();
    assertThat(meters.get(LOG_WORKER)).contains(first);
    assertThat(meters.remove(LOG_WORKER)).isTrue();
    assertThat(meters.get(LOG_WORKER)).isEmpty();
    assertThat(removed).containsExactly(LOG_WORKER);
  }

  @Test
  void anUnregisteredRegistryIsStillReadAndComesBackWhenCreatedAgain() {
    // Ratis keeps recording into a registry it unregistered, e.g. a former leader's follower
    // appends into its server registry: the exported counts must not stop or start over.
    RatisMeters meters = new RatisMeters();
    RatisMetricRegistry first = meters.create(LOG_WORKER);
    meters.remove(LOG_WORKER);

    first.timer("flushTime").time().stop();
    assertThat(meters.timers("n1@group-000000000001", "ratis", "log_worker", "flushTime"::equals))
        .singleElement()
        .satisfies(t -> assertThat(t.count()).isEqualTo(1));

    RatisMetricRegistry again = meters.create(LOG_WORKER);
    assertThat(again).isSameAs(first);
    again.timer("flushTime").time().stop();
    assertThat(meters.timers("n1@group-000000000001", "ratis", "log_worker", "flushTime"::equals))
        .singleElement()
        .satisfies(t -> assertThat(t.count()).isEqualTo(2));
  }

  @Test
  void gaugesAreKeptWithoutBeingEvaluated() {
    RatisMetricRegistry registry = new RatisMeters().create(LOG_WORKER);

    registry.gauge(
        "dataQueueSize",
        () -> {
          throw new AssertionError("a gauge must not be read without a reporter");
        });

    assertThat(registry.remove("dataQueueSize")).isTrue();
    assertThat(registry.remove("dataQueueSize")).isFalse();
  }
}

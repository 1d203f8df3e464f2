package io.cairn.node.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Cairn's own meters: request counts and latencies per operation, batch sizes, and per-replica Raft
 * gauges. The registry is passed in (no global registry), so two nodes in one JVM never mix.
 */
public final class NodeMetrics implements RequestPathObserver {
  private final MeterRegistry registry;
  private final DistributionSummary batchSize;
  private final Timer entryLatency;
  private final DistributionSummary readsPerRound;
  private final Timer roundsConfirmed;
  private volatile Timer roundsFailed; // registered on the first failure: no series until one
  private final Counter leaseReads;
  private final Set<String> replicaGauges = ConcurrentHashMap.newKeySet();
  private final List<Object> stageReadings =
      new CopyOnWriteArrayList<>(); // Micrometer holds weakly

  public NodeMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.batchSize =
        DistributionSummary.builder("cairn.batch.commands")
            .description("Commands per Raft log entry proposed by this node")
            .publishPercentiles(0.5, 0.99)
            .register(registry);
    this.entryLatency =
        Timer.builder("cairn.raft.entry")
            .description("Leader-side time from proposing an entry to its applied result")
            .publishPercentiles(0.5, 0.99)
            .distributionStatisticExpiry(Duration.ofMinutes(1))
            .register(registry);
    this.readsPerRound =
        DistributionSummary.builder("cairn.read.confirmation.reads")
            .description("LINEARIZABLE reads that waited for one leadership confirmation round")
            .publishPercentiles(0.5, 0.99)
            .distributionStatisticExpiry(Duration.ofMinutes(1))
            .register(registry);
    this.roundsConfirmed = confirmationRounds("confirmed");
    this.leaseReads =
        Counter.builder("cairn.read.lease")
            .description(
                "LINEARIZABLE reads served under the leader's read lease, without a confirmation"
                    + " round of their own (read.lease-enabled)")
            .register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** The timers of {@code op} requests at {@code consistency}; call once per kind and keep them. */
  public RequestTimers requests(String op, String consistency) {
    return new RequestTimers(
        outcome ->
            Timer.builder("cairn.requests")
                .description("Client requests handled by this node")
                .tags("op", op, "consistency", consistency, "outcome", outcome)
                .publishPercentiles(0.5, 0.99, 0.999)
                .distributionStatisticExpiry(Duration.ofMinutes(1))
                .register(registry));
  }

  @Override
  public void batch(int commands) {
    batchSize.record(commands);
  }

  /** Time from proposing a log entry on the leader to its applied result (replication + apply). */
  @Override
  public void entryCommitted(long nanos) {
    entryLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void confirmationRound(long nanos, int reads, boolean confirmed) {
    Timer t = roundsConfirmed;
    if (!confirmed) {
      t = roundsFailed;
      if (t == null) {
        t = roundsFailed = confirmationRounds("failed");
      }
    }
    t.record(nanos, TimeUnit.NANOSECONDS);
    readsPerRound.record(reads);
  }

  @Override
  public void leaseRead() {
    leaseReads.increment();
  }

  private Timer confirmationRounds(String outcome) {
    return Timer.builder("cairn.read.confirmation")
        .description(
            "Leadership confirmation rounds run before LINEARIZABLE reads (one per batch of reads)")
        .tags("outcome", outcome)
        .publishPercentiles(0.5, 0.99)
        .distributionStatisticExpiry(Duration.ofMinutes(1))
        .register(registry);
  }

  /**
   * Registers the gauges of one local replica once, and Ratis's timers of its write path ({@link
   * RaftStageMeters}); {@code source} is read at scrape time, {@code member} is the replica as
   * Ratis names it ({@code n1@group-...}).
   */
  public <T> void replica(
      String group, String member, String shard, Supplier<T> source, ReplicaGauges<T> gauges) {
    if (!replicaGauges.add(group)) {
      return;
    }
    Tags tags = Tags.of("shard", shard);
    RatisMeters.installed()
        .ifPresent(r -> stageReadings.addAll(RaftStageMeters.register(registry, r, member, tags)));
    gauge("cairn.replica.leader", tags, source, gauges.isLeader());
    gauge("cairn.replica.failed", tags, source, gauges.isFailed());
    gauge("cairn.replica.term", tags, source, gauges.term());
    gauge("cairn.replica.commit.index", tags, source, gauges.commitIndex());
    gauge("cairn.replica.applied.index", tags, source, gauges.appliedIndex());
    gauge("cairn.replica.snapshot.index", tags, source, gauges.snapshotIndex());
    gauge("cairn.replica.log.bytes", tags, source, gauges.logBytes());
    gauge("cairn.replica.store.bytes", tags, source, gauges.storeBytes());
    gauge("cairn.replica.keys", tags, source, gauges.keys());
  }

  private <T> void gauge(String name, Tags tags, Supplier<T> source, ToDoubleFunction<T> f) {
    Gauge.builder(
            name,
            source,
            s -> {
              try {
                T t = s.get();
                return t == null ? Double.NaN : f.applyAsDouble(t);
              } catch (RuntimeException e) {
                return Double.NaN;
              }
            })
        .tags(tags)
        .strongReference(true)
        .register(registry);
  }

  /** How to read each per-replica figure from a status snapshot of type T. */
  public record ReplicaGauges<T>(
      ToDoubleFunction<T> isLeader,
      ToDoubleFunction<T> isFailed,
      ToDoubleFunction<T> term,
      ToDoubleFunction<T> commitIndex,
      ToDoubleFunction<T> appliedIndex,
      ToDoubleFunction<T> snapshotIndex,
      ToDoubleFunction<T> logBytes,
      ToDoubleFunction<T> storeBytes,
      ToDoubleFunction<T> keys) {}
}

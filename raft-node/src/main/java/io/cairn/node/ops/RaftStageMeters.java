package io.cairn.node.ops;

import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Ratis's own timers of one local replica's write path, as Micrometer meters: where a write's
 * milliseconds go between its proposal and its commit, on the replica that pays them.
 *
 * <p>Each meter reads the replica's current Ratis registry at scrape time, so a replica that is
 * removed and added again (a move away and back) is read afresh; its counts then start from zero,
 * which Prometheus reads as a counter reset.
 */
public final class RaftStageMeters {
  /** Ratis timers, summed: where they live and what Cairn calls their sum. */
  record Stage(
      List<String> applications,
      String component,
      Predicate<String> ratisNames,
      String name,
      String description) {}

  static final List<Stage> STAGES =
      List.of(
          new Stage(
              List.of("ratis"),
              "log_worker",
              "flushTime"::equals,
              "cairn.raft.log.flush",
              "Writes and fsyncs of this replica's Raft log, one per batch of appended entries"),
          new Stage(
              List.of("ratis"),
              "log_worker",
              "enqueuedTime"::equals,
              "cairn.raft.log.queue",
              "Time an entry of this replica waited in its log worker's queue before its write"),
          new Stage(
              List.of("ratis"),
              "server",
              "follower_append_entry_latency"::equals,
              "cairn.raft.follower.append",
              "On a follower: time from receiving a leader's entries to answering (written and"
                  + " flushed)"),
          new Stage(
              // Ratis's gRPC appender, or Cairn's Raft links (LinkAppendTimers), whichever the
              // node sends with.
              List.of("ratis_grpc", "ratis_link"),
              "log_appender",
              // One timer per follower, "<peer>_latency"; heartbeats are
              // "<peer>_latency_heartbeat".
              n -> n.endsWith("_latency"),
              "cairn.raft.leader.append",
              "On a leader: time from sending entries to a follower to its answer, all followers"));

  private RaftStageMeters() {}

  /**
   * Registers the stage meters of the replica that Ratis calls {@code member} ({@code n1@group-..})
   * with {@code tags}; returns what the meters read, which the caller must keep reachable
   * (Micrometer holds it weakly).
   */
  static List<Object> register(
      MeterRegistry registry, RatisMeters ratis, String member, Tags tags) {
    return STAGES.stream()
        .map(
            s -> {
              Reading r = new Reading(ratis, member, s);
              FunctionTimer.builder(
                      s.name(), r, Reading::count, Reading::totalNanos, TimeUnit.NANOSECONDS)
                  .description(s.description())
                  .tags(tags)
                  .register(registry);
              return (Object) r;
            })
        .toList();
  }

  /** Reads one stage's timers of the replica's current Ratis registry; zero while there is none. */
  private record Reading(RatisMeters ratis, String member, Stage stage) {
    long count() {
      return timers().stream().mapToLong(RatisMeters.Timer::count).sum();
    }

    double totalNanos() {
      return timers().stream().mapToLong(RatisMeters.Timer::totalNanos).sum();
    }

    private List<RatisMeters.Timer> timers() {
      return stage.applications().stream()
          .flatMap(a -> ratis.timers(member, a, stage.component(), stage.ratisNames()).stream())
          .toList();
    }
  }
}

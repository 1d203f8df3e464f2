package io.cairn.tests.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.client.BlockingCairnClient;
import io.cairn.client.CairnClient;
import io.cairn.client.ClientConfig;
import io.cairn.client.VersionMismatchException;
import io.cairn.node.replica.RaftHost;
import io.cairn.proto.ShardMap;
import io.cairn.tests.cluster.ProcessCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a shard's leader while clients write to it continuously, repeated over several trials:
 * writes resume, nothing acknowledged is lost, nothing is applied twice.
 *
 * <p>Each writer owns its keys and advances them with compare-and-set chains (expected = last
 * version it got). A write applied twice would surface as a version mismatch on the writer's own
 * key, so "no mismatch ever" proves exactly-once under retries. The unavailability window per trial
 * is the time from the kill to the first successful write invoked after it. Two readers read the
 * same keys LINEARIZABLE meanwhile, and the reads' window is measured the same way: reads resume
 * too. The figures go to target/failover-figures.txt and docs/failover.md.
 */
class FailoverIT {
  private static final int TRIALS = Integer.getInteger("cairn.failover.trials", 20);

  /**
   * kill (default): kill -9 of the leader, restarted after the trial. stop: SIGSTOP of the leader
   * (a process that hangs: GC pause, stalled VM), SIGCONT once a write succeeded elsewhere.
   */
  private static final String FAULT = System.getProperty("cairn.failover.fault", "kill");

  /** The client's {@link ClientConfig.Builder#leaderStallMs}; 0 measures without the hedge. */
  private static final long LEADER_STALL_MS =
      Long.getLong("cairn.failover.leader-stall-ms", ClientConfig.DEFAULT_LEADER_STALL_MS);

  private static final int TARGET_SHARD = 1;

  /** Threads reading the writers' keys LINEARIZABLE throughout, for the reads' window. */
  private static final int READERS = 2;

  /**
   * Shards the cluster starts with: 1, a new cluster's default, so the killed node leads both the
   * shard and, usually, the meta group.
   */
  private static final int SHARDS = Integer.getInteger("cairn.failover.shards", 1);

  @TempDir Path dir;

  /**
   * Ratis' election steps, logged at INFO by the nodes of this test only: a stalled election (seen
   * in CI, 2026-12-04) then shows who campaigned, who voted how, and why.
   */
  private static final String ELECTION_LOGGING =
      "-Dorg.slf4j.simpleLogger.log.org.apache.ratis.server.impl.LeaderElection=info"
          + " -Dorg.slf4j.simpleLogger.log.org.apache.ratis.server.impl.VoteContext=info"
          + " -Dorg.slf4j.simpleLogger.log.org.apache.ratis.server.impl.FollowerState=info";

  /** Every node's view of the shard, its last log lines about the shard's group, and its tail. */
  private static String diagnosis(
      ProcessCluster cluster, BlockingCairnClient client, ShardMap map) {
    StringBuilder sb = new StringBuilder();
    String group = RaftHost.groupIdOf(map.getShards(TARGET_SHARD - 1)).toString();
    try {
      sb.append("\n--- cluster status:\n").append(client.clusterStatus());
    } catch (RuntimeException e) {
      sb.append("\n--- cluster status unavailable: ").append(e);
    }
    for (int i = 1; i <= 3; i++) {
      sb.append("\n--- node ")
          .append(i)
          .append(" lines about ")
          .append(group)
          .append(":\n")
          .append(cluster.tailContaining(i, 40, group))
          .append("\n--- node ")
          .append(i)
          .append(" log tail:\n")
          .append(cluster.tail(i, 20));
    }
    return sb.toString();
  }

  @Test
  void writesResumeAfterLeaderKillWithNothingLostOrDoubled() throws Exception {
    ProcessCluster.Builder builder =
        ProcessCluster.builder(dir).nodes(3).shards(SHARDS).addJavaOpts(ELECTION_LOGGING);
    // For measurements with other settings: -Dcairn.failover.config=key=value,key=value
    for (String kv : System.getProperty("cairn.failover.config", "").split(",")) {
      if (!kv.isBlank()) {
        builder.config(kv.substring(0, kv.indexOf('=')).trim(), kv.substring(kv.indexOf('=') + 1));
      }
    }
    try (ProcessCluster cluster = builder.build().start(Duration.ofSeconds(90));
        CairnClient async =
            CairnClient.connect(
                ClientConfig.builder()
                    .endpoints(cluster.endpoints())
                    .requestTimeoutMs(20_000)
                    .leaderStallMs(LEADER_STALL_MS)
                    .build())) {
      BlockingCairnClient client = new BlockingCairnClient(async);
      ShardMap map = client.shardMap();
      List<byte[]> keys = ShardKeys.onShard(map, TARGET_SHARD, "failover/", 4);
      Map<String, Long> lastVersion = new ConcurrentHashMap<>();
      Map<String, Long> lastValue = new ConcurrentHashMap<>();
      AtomicBoolean stop = new AtomicBoolean();
      List<long[]> successes =
          Collections.synchronizedList(new ArrayList<>()); // {invoked, completed}
      // LINEARIZABLE reads of the same keys, by readers of their own: {invoked, completed}.
      List<long[]> reads = Collections.synchronizedList(new ArrayList<>());
      AtomicLong mismatches = new AtomicLong();
      ExecutorService clients = Executors.newFixedThreadPool(keys.size() + READERS);
      List<Future<?>> running = new ArrayList<>();
      for (byte[] key : keys) {
        String k = new String(key, StandardCharsets.UTF_8);
        long v0 = client.put(key, "0".getBytes(StandardCharsets.UTF_8), 0).version();
        lastVersion.put(k, v0);
        lastValue.put(k, 0L);
        running.add(
            clients.submit(
                () -> {
                  long n = 0;
                  while (!stop.get()) {
                    long invoked = System.nanoTime();
                    try {
                      long v =
                          client
                              .put(
                                  key,
                                  Long.toString(n + 1).getBytes(StandardCharsets.UTF_8),
                                  lastVersion.get(k))
                              .version();
                      n++;
                      lastVersion.put(k, v);
                      lastValue.put(k, n);
                      successes.add(new long[] {invoked, System.nanoTime()});
                    } catch (VersionMismatchException e) {
                      mismatches.incrementAndGet();
                      return;
                    } catch (RuntimeException e) {
                      // Unavailable past the deadline: the CAS may or may not have applied. The
                      // next
                      // attempt reuses no write id, so re-read the version to go on.
                      var got = client.get(key);
                      long value = Long.parseLong(new String(got.value(), StandardCharsets.UTF_8));
                      lastVersion.put(k, got.version());
                      lastValue.put(k, value);
                      n = value;
                    }
                  }
                  return;
                }));
      }

      for (int r = 0; r < READERS; r++) {
        int first = r;
        running.add(
            clients.submit(
                () -> {
                  for (long n = first; !stop.get(); n++) {
                    long invoked = System.nanoTime();
                    try {
                      client.get(keys.get((int) (n % keys.size())));
                      reads.add(new long[] {invoked, System.nanoTime()});
                    } catch (RuntimeException e) {
                      // Unavailable past the deadline: the window shows it; read on.
                    }
                  }
                }));
      }

      List<Long> windowsMs = new ArrayList<>();
      List<Long> readWindowsMs = new ArrayList<>();
      // Per trial, from the kill to the first survivor's log line naming the new leader.
      List<Long> electedMs = new ArrayList<>();
      // Trials whose fault hit a node that no longer led the shard (the routing named it, but a
      // hand-over back to the preferred replica was under way): writes went on at once, and no
      // survivor logged a new leader. They measure nothing and are run again.
      int missed = 0;
      for (int trial = 0; trial < TRIALS; trial++) {
        Awaitility.await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> successes.size() > 10 && reads.size() > 10);
        int leader = leaderNode(client, TARGET_SHARD);
        if (FAULT.equals("stop")) {
          cluster.signal(leader, "STOP");
        } else {
          cluster.kill9(leader);
        }
        // Windows count from here, when the fault has certainly landed: SIGSTOP goes through a
        // forked kill(1), and a read sent while it started was still answered by the leader.
        long killedAt = System.nanoTime();
        long killedAtWallMs = System.currentTimeMillis();
        try {
          Awaitility.await()
              .atMost(Duration.ofSeconds(30))
              .pollInterval(Duration.ofMillis(10))
              .until(
                  () ->
                      firstSuccessInvokedAfter(successes, killedAt) > 0
                          && firstSuccessInvokedAfter(reads, killedAt) > 0);
        } catch (ConditionTimeoutException e) {
          // A liveness failure: say which trial and node, with every node's log, since the
          // cluster's temporary dir is gone once the test ends (seen once in CI, 2026-12-04).
          throw new AssertionError(
              "trial "
                  + trial
                  + ": no write or no LINEARIZABLE read on shard "
                  + TARGET_SHARD
                  + " acknowledged within 30 s of the "
                  + FAULT
                  + " of its leader n"
                  + leader
                  + diagnosis(cluster, client, map),
              e);
        }
        long resumed = firstSuccessInvokedAfter(successes, killedAt);
        long windowMs = (resumed - killedAt) / 1_000_000;
        long readWindowMs = (firstSuccessInvokedAfter(reads, killedAt) - killedAt) / 1_000_000;
        long electedAfterMs =
            LeaderChanges.firstAfter(cluster, leader, TARGET_SHARD, killedAtWallMs)
                .map(t -> t - killedAtWallMs)
                .orElse(-1L);
        boolean hitAFollower = electedAfterMs < 0 && windowMs < 100 && missed < 10;
        if (hitAFollower) {
          missed++;
          trial--;
        } else {
          windowsMs.add(windowMs);
          readWindowsMs.add(readWindowMs);
          electedMs.add(electedAfterMs);
        }
        if (!hitAFollower && (electedAfterMs < 0 || electedAfterMs > 3_000)) {
          // A slow election is the survivors' story: print it while their logs still exist.
          System.out.println(
              "trial "
                  + trial
                  + ": new leader after "
                  + electedAfterMs
                  + " ms"
                  + diagnosis(cluster, client, map));
        }
        if (FAULT.equals("stop")) {
          cluster.signal(leader, "CONT");
        } else {
          cluster.start(leader);
        }
        cluster.awaitHealthy(Duration.ofSeconds(60));
        successes.clear();
        reads.clear();
      }
      stop.set(true);
      for (Future<?> f : running) {
        f.get(60, TimeUnit.SECONDS);
      }
      clients.shutdown();

      assertThat(mismatches.get())
          .as("a write applied twice shows up as a mismatch on its own key")
          .isZero();
      for (byte[] key : keys) {
        String k = new String(key, StandardCharsets.UTF_8);
        var got = client.get(key);
        assertThat(got.version()).as(k).isEqualTo(lastVersion.get(k));
        assertThat(Long.parseLong(new String(got.value(), StandardCharsets.UTF_8)))
            .as(k)
            .isEqualTo(lastValue.get(k));
      }
      List<Long> afterElection = new ArrayList<>();
      for (int i = 0; i < windowsMs.size(); i++) {
        if (electedMs.get(i) >= 0) {
          afterElection.add(windowsMs.get(i) - electedMs.get(i));
        }
      }
      String figures =
          "failover fault="
              + FAULT
              + " trials="
              + windowsMs.size()
              + " (run again: "
              + missed
              + ", the fault hit a node that no longer led)"
              + " "
              + FAULT
              + " to first write: "
              + LeaderChanges.summary(windowsMs)
              + "\n  "
              + FAULT
              + " to new leader (survivor's log): "
              + LeaderChanges.summary(electedMs.stream().filter(ms -> ms >= 0).toList())
              + "\n  "
              + FAULT
              + " to first LINEARIZABLE read: "
              + LeaderChanges.summary(readWindowsMs)
              + "\n  new leader to first write: "
              + LeaderChanges.summary(afterElection)
              + "\n  entries the nodes gave up on (no outcome from Raft in time): "
              + givenUpEntries(cluster)
              + "\n";
      System.out.print(figures);
      Files.writeString(Path.of("target", "failover-figures.txt"), figures);
      assertThat(windowsMs).allSatisfy(ms -> assertThat(ms).isLessThan(20_000));
      assertThat(readWindowsMs).allSatisfy(ms -> assertThat(ms).isLessThan(20_000));
    }
  }

  /** Log lines of WriteBatcher giving up an entry Raft never answered, over every node's log. */
  private static long givenUpEntries(ProcessCluster cluster) throws java.io.IOException {
    long n = 0;
    for (int node = 1; node <= 3; node++) {
      try (var lines =
          Files.lines(cluster.log(node), java.nio.charset.StandardCharsets.ISO_8859_1)) {
        n += lines.filter(l -> l.contains("no outcome for an entry")).count();
      }
    }
    return n;
  }

  private static long firstSuccessInvokedAfter(List<long[]> successes, long t) {
    long first = -1;
    synchronized (successes) {
      for (long[] s : successes) {
        if (s[0] > t && (first < 0 || s[1] < first)) {
          first = s[1];
        }
      }
    }
    return first;
  }

  static int leaderNode(BlockingCairnClient client, int shard) {
    String leader =
        Awaitility.await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(100))
            .until(() -> client.routing().getLeadersOrDefault(shard, ""), l -> !l.isEmpty());
    return Integer.parseInt(leader.substring(1));
  }
}

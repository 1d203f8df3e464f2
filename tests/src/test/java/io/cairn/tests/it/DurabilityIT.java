package io.cairn.tests.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.client.BlockingCairnClient;
import io.cairn.client.CairnClient;
import io.cairn.client.ClientConfig;
import io.cairn.tests.cluster.ProcessCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of every node mid-load, then a restart: every acknowledged write is there with its
 * version. Small snapshot and segment settings make the run cross snapshots and log purges, so
 * recovery exercises snapshot + log replay, not just log replay.
 */
class DurabilityIT {
  @TempDir Path dir;

  @Test
  void everyAcknowledgedWriteSurvivesKillingEveryNode() throws Exception {
    ProcessCluster.Builder b =
        ProcessCluster.builder(dir)
            .nodes(3)
            .shards(4)
            .config("raft.snapshot-every-entries", "300")
            .config("raft.log-segment-bytes-max", "262144");
    try (ProcessCluster cluster = b.build().start(Duration.ofSeconds(90))) {
      // Per key: the last acknowledged (value, version) and whether a later write's outcome is
      // unknown.
      Map<String, long[]> acked = new ConcurrentHashMap<>();
      Map<String, Boolean> unknownAfterAck = new ConcurrentHashMap<>();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong acks = new AtomicLong();
      int writers = 8;
      ExecutorService pool = Executors.newFixedThreadPool(writers);
      List<Future<?>> running = new ArrayList<>();
      try (CairnClient async =
          CairnClient.connect(
              ClientConfig.builder()
                  .endpoints(cluster.endpoints())
                  .requestTimeoutMs(5_000)
                  .build())) {
        BlockingCairnClient client = new BlockingCairnClient(async);
        for (int w = 0; w < writers; w++) {
          int writer = w;
          running.add(
              pool.submit(
                  () -> {
                    for (long n = 1; !stop.get(); n++) {
                      String key = "durable/" + writer + "/" + (n % 50);
                      try {
                        long version =
                            client
                                .put(
                                    key.getBytes(StandardCharsets.UTF_8),
                                    Long.toString(n).getBytes(StandardCharsets.UTF_8))
                                .version();
                        acked.put(key, new long[] {n, version});
                        unknownAfterAck.remove(key);
                        acks.incrementAndGet();
                      } catch (RuntimeException e) {
                        unknownAfterAck.put(key, true);
                      }
                    }
                  }));
        }
        Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> acks.get() >= 1500);
        for (int i = 1; i <= 3; i++) {
          cluster.kill9(i);
        }
        stop.set(true);
        for (Future<?> f : running) {
          f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
      }
      for (int i = 1; i <= 3; i++) {
        cluster.start(i);
      }
      cluster.awaitHealthy(Duration.ofSeconds(120));
      try (CairnClient async =
          CairnClient.connect(
              ClientConfig.builder()
                  .endpoints(cluster.endpoints())
                  .requestTimeoutMs(30_000)
                  .build())) {
        BlockingCairnClient client = new BlockingCairnClient(async);
        assertThat(acked).hasSizeGreaterThan(100);
        for (var e : acked.entrySet()) {
          var got = client.get(e.getKey().getBytes(StandardCharsets.UTF_8));
          assertThat(got.found()).as(e.getKey()).isTrue();
          long value = Long.parseLong(new String(got.value(), StandardCharsets.UTF_8));
          if (unknownAfterAck.containsKey(e.getKey())) {
            // A later write whose outcome is unknown may have landed; never an older one.
            assertThat(got.version()).as(e.getKey()).isGreaterThanOrEqualTo(e.getValue()[1]);
            assertThat(value).as(e.getKey()).isGreaterThanOrEqualTo(e.getValue()[0]);
          } else {
            assertThat(got.version()).as(e.getKey()).isEqualTo(e.getValue()[1]);
            assertThat(value).as(e.getKey()).isEqualTo(e.getValue()[0]);
          }
        }
      }
    }
  }
}

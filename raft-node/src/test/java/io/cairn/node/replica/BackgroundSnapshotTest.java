package io.cairn.node.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.cairn.node.config.NodeConfig;
import io.cairn.node.runtime.NodeClock;
import io.cairn.node.testing.OneRatisServer;
import io.cairn.proto.internal.BatchResult;
import io.cairn.proto.internal.Command;
import io.cairn.proto.internal.CommandBatch;
import io.cairn.proto.internal.PutCommand;
import io.cairn.statemachine.InMemoryKvStore;
import io.cairn.statemachine.RequestLimits;
import io.cairn.statemachine.ShardCore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.SizeInBytes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shard's snapshot is written beside its apply thread: entries go on being applied while it is
 * written, Ratis purges the log only once the file is on disk, and the file holds the shard as it
 * was when the snapshot began. The snapshot writer here runs only when the test lets it.
 */
class BackgroundSnapshotTest {
  private static final int SNAPSHOT_EVERY = 20;

  @TempDir Path dir;
  private final HeldExecutor writer = new HeldExecutor();
  private final List<String> halts = new CopyOnWriteArrayList<>();
  private RaftServer server;
  private RaftGroup group;
  private ShardStateMachine shard;

  /** Queues what it is given until the test runs it; once released, runs it at once. */
  private static final class HeldExecutor implements Executor {
    private final Queue<Runnable> held = new ArrayDeque<>();
    private boolean released;

    @Override
    public void execute(Runnable task) {
      synchronized (this) {
        if (!released) {
          held.add(task);
          return;
        }
      }
      task.run();
    }

    void release() {
      synchronized (this) {
        released = true;
      }
      runHeld();
    }

    synchronized int held() {
      return held.size();
    }

    void runHeld() {
      Runnable r;
      while ((r = poll()) != null) {
        r.run();
      }
    }

    private synchronized Runnable poll() {
      return held.poll();
    }
  }

  private void start() throws IOException {
    start(SnapshotSchedule.whenRatisAsks());
  }

  private void start(SnapshotSchedule schedule) throws IOException {
    shard =
        new ShardStateMachine(
            1,
            new NodeConfig.Store(1 << 20, Long.MAX_VALUE, 1000),
            new ShardStateMachine.ProposalRules(RequestLimits.DEFAULT, key -> 1),
            NodeClock.system(),
            new ReplicaFailures((reason, cause) -> halts.add(reason)),
            new LeaderEvents(Runnable::run),
            writer,
            schedule);
    OneRatisServer one =
        OneRatisServer.start(
            dir,
            shard,
            p -> {
              RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
              RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, SNAPSHOT_EVERY);
              RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
              RaftServerConfigKeys.Log.setPurgeGap(p, 1);
              // as RaftSettings: one entry per put
              RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
              RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf("16KB"));
            });
    server = one.server();
    group = one.group();
    await().atMost(Duration.ofSeconds(10)).until(() -> one.division().getInfo().isLeaderReady());
  }

  @AfterEach
  void stop() throws IOException {
    if (server != null) {
      writer.release(); // closing waits for a snapshot in writing, and takes one as it stops
      server.close();
    }
    assertThat(halts).isEmpty();
  }

  /** Puts {@code key} in an entry of its own; returns the entry's index (the key's version). */
  private static long put(RaftClient client, String key) throws IOException {
    CommandBatch entry =
        CommandBatch.newBuilder()
            .addCommands(
                Command.newBuilder()
                    .setPut(
                        PutCommand.newBuilder()
                            .setKey(ByteString.copyFromUtf8(key))
                            .setValue(ByteString.copyFromUtf8("v".repeat(1_000)))))
            .build();
    RaftClientReply reply =
        client.io().send(Message.valueOf(java.nio.ByteBuffer.wrap(entry.toByteArray())));
    assertThat(reply.isSuccess()).as("put %s", key).isTrue();
    return BatchResult.parseFrom(reply.getMessage().getContent().toByteArray()).getIndex();
  }

  @Test
  void entriesApplyWhileTheSnapshotIsWrittenAndTheLogIsPurgedOnlyAfterIt() throws Exception {
    start();
    Map<String, Long> versions = new TreeMap<>();
    try (RaftClient client =
        RaftClient.newBuilder().setProperties(new RaftProperties()).setRaftGroup(group).build()) {
      int i = 0;
      while (writer.held() == 0 && i < 10 * SNAPSHOT_EVERY) {
        String key = "k" + i++;
        versions.put(key, put(client, key));
      }
      assertThat(writer.held()).as("a snapshot waits to be written").isEqualTo(1);

      // The shard goes on applying entries while its snapshot waits.
      for (int j = 0; j < 3 * SNAPSHOT_EVERY; j++) {
        String key = "later" + j;
        versions.put(key, put(client, key));
      }
      var division = server.getDivision(group.getGroupId());
      assertThat(shard.core().keyCount()).isEqualTo(versions.size());
      assertThat(shard.getLatestSnapshot()).as("nothing written yet").isNull();
      assertThat(division.getRaftLog().getStartIndex())
          .as("nothing purged before the snapshot is on disk")
          .isLessThanOrEqualTo(0);

      writer.runHeld();
      SingleFileSnapshotInfo written = (SingleFileSnapshotInfo) shard.getLatestSnapshot();
      assertThat(written).isNotNull();
      long at = written.getIndex();
      // The file holds the shard as it was at the freeze: exactly the keys written by then.
      ShardCore restored;
      try (InputStream in = Files.newInputStream(written.getFile().getPath())) {
        restored = ShardCore.restore(in, new InMemoryKvStore());
      }
      assertThat(restored.appliedIndex()).isEqualTo(at);
      Map<String, Long> expected = new TreeMap<>();
      versions.forEach(
          (k, v) -> {
            if (v <= at) {
              expected.put(k, v);
            }
          });
      assertThat(expected).hasSizeGreaterThanOrEqualTo(SNAPSHOT_EVERY - 2);
      assertThat(restored.keyCount()).isEqualTo(expected.size());
      expected.forEach(
          (k, v) ->
              assertThat(restored.read(k.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                  .satisfies(r -> assertThat(r.getVersion()).as(k).isEqualTo(v)));

      // Ratis hears of it with the next applied entry, and purges the log behind it.
      versions.put("next", put(client, "next"));
      await("the log purged behind the snapshot")
          .atMost(Duration.ofSeconds(10))
          .until(() -> division.getRaftLog().getStartIndex() > 0);
      assertThat(division.getRaftLog().getStartIndex()).isLessThanOrEqualTo(at + 1);
    }
  }

  @Test
  void theSnapshotARatisReplicaTakesAsItStopsIsOnDiskWhenItHasClosed() throws Exception {
    start();
    long last;
    try (RaftClient client =
        RaftClient.newBuilder().setProperties(new RaftProperties()).setRaftGroup(group).build()) {
      put(client, "a");
      last = put(client, "b");
    }
    assertThat(writer.held()).as("below the snapshot threshold").isZero();

    writer.release();
    server.close();
    server = null;

    SingleFileSnapshotInfo onDisk = shard.getStateMachineStorage().loadLatestSnapshot();
    assertThat(onDisk).isNotNull();
    assertThat(onDisk.getIndex()).isEqualTo(last);
  }

  @Test
  void aSnapshotWaitsForTheLogToOutgrowTheStateButOneIsTakenAsTheReplicaStops() throws Exception {
    writer.release(); // snapshots written as soon as they start
    start(new SnapshotSchedule(500, Long.MAX_VALUE));
    long last = 0;
    try (RaftClient client =
        RaftClient.newBuilder().setProperties(new RaftProperties()).setRaftGroup(group).build()) {
      int i = 0;
      while (shard.getLatestSnapshot() == null && i < 10 * SNAPSHOT_EVERY) {
        put(client, "k" + i++);
      }
      SingleFileSnapshotInfo first = (SingleFileSnapshotInfo) shard.getLatestSnapshot();
      assertThat(first).as("the first snapshot, when Ratis first asks").isNotNull();
      long firstBytes = Files.size(first.getFile().getPath());

      // Ratis asks every SNAPSHOT_EVERY entries. An entry (one 1,000-byte value) is about as large
      // as a key in the snapshot, so the log reaches 5 x the snapshot after about 5 x its keys.
      int keysInFirst = (int) first.getIndex();
      for (int j = 0; j < 3 * SNAPSHOT_EVERY; j++) {
        put(client, "k" + (j % keysInFirst)); // overwrites: the state stays as large
      }
      assertThat(shard.getLatestSnapshot().getIndex())
          .as("Ratis asked three times; the log was still below 5 x %d bytes", firstBytes)
          .isEqualTo(first.getIndex());

      for (int j = 0; j < 10 * SNAPSHOT_EVERY && shard.getLatestSnapshot() == first; j++) {
        last = put(client, "k" + (j % keysInFirst));
      }
      long second = shard.getLatestSnapshot().getIndex();
      assertThat(second)
          .as("a second snapshot once the log outgrew the state")
          .isGreaterThan(first.getIndex());
      assertThat(second - first.getIndex())
          .as("entries between the snapshots (Ratis asks every %d)", SNAPSHOT_EVERY)
          .isGreaterThanOrEqualTo(4L * keysInFirst);

      for (int j = 0; j < 3; j++) {
        last = put(client, "after" + j);
      }
    }
    server.close();
    server = null;

    SingleFileSnapshotInfo onDisk = shard.getStateMachineStorage().loadLatestSnapshot();
    assertThat(onDisk.getIndex()).as("the snapshot taken as the replica stopped").isEqualTo(last);
  }
}

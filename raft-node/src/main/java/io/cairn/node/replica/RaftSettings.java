package io.cairn.node.replica;

import io.cairn.node.config.NodeConfig;
import java.io.File;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * Derives Ratis properties from a {@link NodeConfig}: the one place where Cairn's settings meet
 * Ratis's keys. The reasons for each choice are in {@code docs/architecture.md} and {@code
 * shared/notes/ratis.md}.
 */
public final class RaftSettings {
  private RaftSettings() {}

  public static RaftProperties serverProperties(NodeConfig c) {
    RaftProperties p = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(p, List.of(new File(c.dataDir().toFile(), "raft")));
    // RaftHost moves removed replicas aside itself; should Ratis ever rename one, it stays on the
    // data disk rather than under /tmp (Ratis's default: another disk, emptied at boot).
    RaftServerConfigKeys.setRemovedGroupsDir(p, new File(c.dataDir().toFile(), "removed-replicas"));
    GrpcConfigKeys.Server.setHost(p, c.node().listen().raftHost());
    GrpcConfigKeys.Server.setPort(p, c.node().raftPort());
    GrpcConfigKeys.setMessageSizeMax(
        p, SizeInBytes.valueOf(Math.max(64 << 20, 4L * c.limits().valueBytesMax())));

    // Ratis's 150-300 ms default caused spurious elections on a loaded 2-core box; see notes.
    RaftServerConfigKeys.Rpc.setTimeoutMin(p, ms(c.raft().electionTimeoutMsMin()));
    RaftServerConfigKeys.Rpc.setTimeoutMax(p, ms(c.raft().electionTimeoutMsMax()));
    RaftServerConfigKeys.Rpc.setRequestTimeout(p, ms(c.raft().requestTimeoutMs()));
    RaftServerConfigKeys.LeaderElection.setPreVote(p, true);
    // A leader that stepped down for lack of heartbeats from a majority does not campaign for this
    // long (Ratis: 10 s). A new group's preferred replica still has Raft priority 1, and a voter
    // refuses candidates of lower priority than its own: a paused leader's successor paused in
    // turn left the shard without a leader for those 10 s (docs/ratis-workarounds.md, 14). Pre-vote
    // already keeps a node that lost touch from disrupting a healthy leader.
    RaftServerConfigKeys.LeaderElection.setLeaderStepDownWaitTime(
        p, ms(c.raft().electionTimeoutMsMax()));
    RaftServerConfigKeys.Log.Appender.setRetryPolicy(
        p, appenderRetryPolicy(c.raft().electionTimeoutMsMin()));
    RaftServerConfigKeys.Log.Appender.setWaitTimeMin(p, APPENDER_WAIT_MIN);
    // The pause of the link transport's appender (Ratis's LogAppenderDefault) after a failed send
    // to a follower, before it tries again; the retry policy above is the gRPC appender's. Below
    // the heartbeat interval, for the same reason; above Ratis's 25 ms, so a node that is down is
    // not dialled 40 times a second by every leader.
    RaftServerConfigKeys.Rpc.setSleepTime(p, ms(Math.max(25, c.raft().electionTimeoutMsMin() / 5)));
    // A follower appends a leader's entries on the thread that received them. Ratis's default
    // (RATIS-2235) first hands every append to the division's server executor, one more thread
    // hand-off per append; Ratis made it a switch after users measured the cost (RATIS-2387), and
    // Ozone turns it off. Order is kept without it: gRPC delivers one stream's appends one at a
    // time and each is queued to the log before the next arrives (docs/ratis-workarounds.md, 17).
    RaftServerConfigKeys.Log.setAppendEntriesComposeEnabled(p, false);

    // The default read option serves straight from the state machine and is not linearizable.
    // Nothing of Cairn's reads through Ratis any more (data and meta reads confirm leadership
    // themselves, LeaderReads and MetaReads, because Ratis's ReadIndex can skip its heartbeat
    // round); this keeps a stray Ratis query from being served stale.
    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    RaftServerConfigKeys.Read.setTimeout(p, ms(c.raft().requestTimeoutMs()));

    // Bounded disk: snapshot every N entries, keep a few snapshots, purge the log behind them.
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, c.raft().snapshotEveryEntries());
    RaftServerConfigKeys.Snapshot.setCreationGap(
        p, Math.min(1024, c.raft().snapshotEveryEntries()));
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, c.raft().snapshotsRetained());
    // A replica too far behind gets the leader's snapshot in chunks of this size.
    RaftServerConfigKeys.Log.Appender.setSnapshotChunkSizeMax(
        p, SizeInBytes.valueOf(c.raft().snapshotChunkBytesMax()));
    GrpcConfigKeys.Server.setInstallSnapshotRequestElementLimit(p, SNAPSHOT_CHUNKS_IN_FLIGHT);
    GrpcConfigKeys.Server.setInstallSnapshotRequestTimeout(
        p,
        ms(snapshotChunkTimeoutMs(c.raft().requestTimeoutMs(), c.raft().snapshotChunkBytesMax())));
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
    RaftServerConfigKeys.Log.setPurgeGap(p, Math.min(1024, c.raft().snapshotEveryEntries()));
    RaftServerConfigKeys.Log.setSegmentSizeMax(
        p, SizeInBytes.valueOf(c.raft().logSegmentBytesMax()));
    RaftServerConfigKeys.Log.setPreallocatedSize(
        p, SizeInBytes.valueOf(Math.min(c.raft().logSegmentBytesMax(), 4 << 20)));
    RaftServerConfigKeys.Log.setLogMetadataEnabled(p, c.raft().logMetadataEnabled());
    // Entries carry whole batches; make sure one batch of maximum size fits a log entry buffer.
    long entryBytesMax =
        (long) c.batch().commandsMax() * (c.limits().keyBytesMax() + 64)
            + 4L * c.limits().valueBytesMax()
            + (1 << 20);
    RaftServerConfigKeys.Log.setWriteBufferSize(
        p, SizeInBytes.valueOf(Math.max(8 << 20, entryBytesMax)));
    RaftServerConfigKeys.Log.Appender.setBufferByteLimit(
        p, SizeInBytes.valueOf(Math.max(4 << 20, entryBytesMax)));
    return p;
  }

  /**
   * How long a leader's log appender sleeps after consecutive errors to one follower. Ratis's
   * default ("1ms,10, 1s,20, 5s,1000") sleeps longer than the heartbeat interval (half the minimum
   * election timeout) after ten errors, and an appender that wakes with its heartbeat overdue sends
   * a heartbeat and nothing else. A follower that lost its log (a wiped disk) answers every
   * heartbeat INCONSISTENCY, another error, so the appender never sent it an entry or a snapshot
   * again: SnapshotCatchUpIT's wiped replica stayed empty. Sleeps stay below the heartbeat interval
   * here (the policy randomises each sleep to 0.5-1.5 times its base), and never run out.
   */
  static String appenderRetryPolicy(long electionTimeoutMsMin) {
    long heartbeatMs = electionTimeoutMsMin / 2;
    long baseMs = Math.max(1, heartbeatMs * 2 / 5);
    return "1ms,10, " + baseMs + "ms," + Integer.MAX_VALUE;
  }

  /**
   * How long a leader's log appender waits after its last send to a follower before the next one.
   * Ratis's default is 1 ms, and every commit makes the appender send each follower the new commit
   * index on its own, so the next entry could find the appender asleep, for a whole millisecond:
   * the rest of the gap is slept with {@code Thread.sleep(0, nanos)}, which Java 17 rounds up.
   * Cairn sends one entry per shard at a time (WriteBatcher), so there is nothing for the wait to
   * gather. Measured: docs/benchmarks.md, "The appender's millisecond, measured properly".
   */
  static final TimeDuration APPENDER_WAIT_MIN = TimeDuration.ZERO;

  /** Snapshot chunks a leader sends ahead of the follower's replies (Ratis's default: 8). */
  static final int SNAPSHOT_CHUNKS_IN_FLIGHT = 2;

  /**
   * The slowest link between replicas a snapshot install is sized for: 8 MiB/s (64 Mbit/s). Slower
   * links need a smaller {@code raft.snapshot-chunk-bytes-max}.
   */
  static final long SNAPSHOT_BYTES_PER_SECOND_MIN = 8L << 20;

  /**
   * How long each snapshot chunk may wait for its reply. Ratis's leader sends chunks on one stream,
   * at most {@link #SNAPSHOT_CHUNKS_IN_FLIGHT} unanswered, and times a chunk out after this times
   * the chunks in flight. When the follower is down, the stream's call fails at once, but the
   * appender thread keeps waiting for a free slot until the first chunk times out, and sends the
   * follower nothing (no heartbeat either) meanwhile. With Ratis's defaults (8 chunks, 3 s each)
   * that wait was 24 s, and a replica restarted just after its leader began a snapshot install
   * caught up 24 s late (SnapshotCatchUpTest, 2026-12-06). The window here is one request timeout,
   * or longer when the chunks in flight need longer at the slowest link sized for.
   */
  static long snapshotChunkTimeoutMs(long requestTimeoutMs, long chunkBytesMax) {
    long windowBytes = SNAPSHOT_CHUNKS_IN_FLIGHT * chunkBytesMax;
    long transferMs =
        (windowBytes * 1000 + SNAPSHOT_BYTES_PER_SECOND_MIN - 1) / SNAPSHOT_BYTES_PER_SECOND_MIN;
    long windowMs = Math.max(requestTimeoutMs, transferMs);
    return (windowMs + SNAPSHOT_CHUNKS_IN_FLIGHT - 1) / SNAPSHOT_CHUNKS_IN_FLIGHT;
  }

  /** Properties for the RaftClients a node uses to forward requests to other leaders. */
  public static RaftProperties clientProperties(NodeConfig c) {
    RaftProperties p = new RaftProperties();
    GrpcConfigKeys.setMessageSizeMax(
        p, SizeInBytes.valueOf(Math.max(64 << 20, 4L * c.limits().valueBytesMax())));
    org.apache.ratis.client.RaftClientConfigKeys.Rpc.setRequestTimeout(
        p, ms(c.raft().requestTimeoutMs()));
    return p;
  }

  private static TimeDuration ms(long millis) {
    return TimeDuration.valueOf(millis, TimeUnit.MILLISECONDS);
  }
}

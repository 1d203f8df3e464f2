package io.cairn.node.replica;

import io.cairn.node.config.NodeConfig;
import io.cairn.node.runtime.NodeClock;
import io.cairn.proto.internal.CommandBatch;
import io.cairn.proto.internal.ReadQuery;
import io.cairn.proto.internal.ReadResult;
import io.cairn.statemachine.CachingKvStore;
import io.cairn.statemachine.EntryClock;
import io.cairn.statemachine.InvalidRequestException;
import io.cairn.statemachine.KvStore;
import io.cairn.statemachine.MapDbKvStore;
import io.cairn.statemachine.ProposalCheck;
import io.cairn.statemachine.RequestLimits;
import io.cairn.statemachine.ShardCore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ratis adapter for one data shard: decodes {@link CommandBatch} entries, applies them to a {@link
 * ShardCore} over a MapDB store, and answers {@link ReadQuery} queries.
 *
 * <p>The MapDB file lives in the group's root directory, outside {@code sm/}, because a snapshot
 * install replaces {@code sm/} wholesale. It is recreated from the snapshot at every start: a MapDB
 * file written without transactions is not trusted after a crash.
 */
public final class ShardStateMachine extends SnapshottingStateMachine {
  /**
   * What a proposed entry must respect to enter this shard's log (ProposalCheck): this node's
   * request limits, and the key ring that says which shard owns a key.
   */
  public record ProposalRules(RequestLimits limits, ToIntFunction<byte[]> shardOfKey) {}

  private static final Logger LOG = LoggerFactory.getLogger(ShardStateMachine.class);
  private final int shardId;
  private final NodeConfig.Store settings;
  private final ProposalRules rules;
  private final NodeClock clock;
  // Leader-stamped entry time, bounded by this node's monotonic clock (EntryClock).
  private final EntryClock entryClock = new EntryClock();
  private final LeaderEvents leaderEvents;
  private volatile ShardCore core;
  private final MarkerDigests markerDigests = new MarkerDigests();

  public ShardStateMachine(
      int shardId,
      NodeConfig.Store settings,
      ProposalRules rules,
      NodeClock clock,
      ReplicaFailures failures,
      LeaderEvents leaderEvents,
      Executor snapshotWriter,
      SnapshotSchedule snapshotSchedule) {
    super(failures, snapshotWriter, snapshotSchedule);
    this.shardId = shardId;
    this.settings = settings;
    this.rules = rules;
    this.clock = clock;
    this.leaderEvents = leaderEvents;
  }

  @Override
  protected void onLeadershipEvent() {
    leaderEvents.happened(getGroupId());
  }

  public int shardId() {
    return shardId;
  }

  /** The current core; replaced wholesale on snapshot install. */
  public ShardCore core() {
    ShardCore c = core;
    if (c == null) {
      throw new ReplicaNotReadyException(
          "shard " + shardId + ": this replica is loading its state; retry");
    }
    return c;
  }

  @Override
  protected String describe() {
    return "shard " + shardId;
  }

  private Path storeFile() {
    return groupRoot().resolve("kv.mapdb");
  }

  @Override
  protected void resetState(Optional<InputStream> snapshot) throws IOException {
    closeState();
    KvStore store =
        new CachingKvStore(MapDbKvStore.createFresh(storeFile()), settings.cacheShardBytesMax());
    core = snapshot.isPresent() ? ShardCore.restore(snapshot.get(), store) : new ShardCore(store);
  }

  /** Bytes the read cache holds now; 0 while the replica is reloading. */
  public long cachedBytes() {
    ShardCore c = core;
    return c != null && c.store() instanceof CachingKvStore cache ? cache.cachedBytes() : 0;
  }

  @Override
  protected void writeState(OutputStream out) throws IOException {
    core().writeSnapshot(out);
  }

  /**
   * Shards write their snapshots beside the apply thread: a large shard's snapshot took long enough
   * on the apply thread to stall its writes on every replica at once (docs/benchmarks.md).
   */
  @Override
  protected FrozenState freezeState() {
    ShardCore.FrozenSnapshot frozen = core().freeze();
    return new FrozenState() {
      @Override
      public void writeTo(OutputStream out) throws IOException {
        frozen.writeTo(out);
      }

      @Override
      public int changedKeys() {
        return frozen.changedKeys();
      }

      @Override
      public void close() {
        frozen.close();
      }
    };
  }

  @Override
  protected void afterSnapshot() {
    ShardCore c = core();
    long fileBytes = c.storageBytes();
    long snapshotBytes =
        Optional.ofNullable(getLatestSnapshot())
            .flatMap(s -> s.getFiles().stream().findFirst())
            .map(f -> f.getPath().toFile().length())
            .orElse(0L);
    if (fileBytes > settings.compactFileBytesMin()
        && fileBytes > settings.compactFileOverSnapshotRatio() * snapshotBytes) {
      long t0 = clock.nanoTime();
      c.store().compact();
      LOG.info(
          "shard {}: compacted store {} -> {} bytes in {} ms",
          shardId,
          fileBytes,
          c.storageBytes(),
          (clock.nanoTime() - t0) / 1_000_000);
    }
  }

  /**
   * Runs on the leader only, for every entry it proposes, whoever sent it. Rejects what cannot be
   * decoded before it reaches the log (apply must never see garbage), and stamps the entry with
   * this leader's clock: every replica expires client sessions by the time in the entry
   * (ShardCore), so a time chosen by anyone else — a follower whose clock runs ahead, a raw Ratis
   * client — could expire every session on every replica and switch exactly-once off.
   */
  @Override
  public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
    CommandBatch batch;
    try {
      batch = CommandBatch.parseFrom(request.getMessage().getContent().asReadOnlyByteBuffer());
      // A shard a split has touched refuses keys it does not own as it applies (not_served, per
      // command); the ring check here would fail a whole batch routed by the map before a split.
      ProposalCheck.check(
          batch, shardId, rules.limits(), core().ownership() != null ? null : rules.shardOfKey());
    } catch (IOException | InvalidRequestException e) {
      LOG.warn(
          "shard {}: refused an entry from client {}: {}",
          shardId,
          request.getClientId(),
          e.getMessage());
      TransactionContext trx = super.startTransaction(request);
      trx.setException(
          new IllegalArgumentException("shard " + shardId + ": entry refused: " + e.getMessage()));
      return trx;
    }
    byte[] stamped =
        batch.toBuilder()
            .setProposedAtMs(entryClock.stamp(clock.wallMs(), monoMs()))
            .build()
            .toByteArray();
    return TransactionContext.newBuilder()
        .setStateMachine(this)
        .setClientRequest(request)
        .setLogData(UnsafeByteOperations.unsafeWrap(stamped))
        .build();
  }

  private long monoMs() {
    return TimeUnit.NANOSECONDS.toMillis(clock.nanoTime());
  }

  @Override
  protected Message applyEntry(LogEntryProto entry) throws IOException {
    ByteString data = entry.getStateMachineLogEntry().getLogData();
    CommandBatch batch = CommandBatch.parseFrom(data.asReadOnlyByteBuffer());
    entryClock.observe(batch.getProposedAtMs(), monoMs());
    ShardCore c = core();
    byte[] result = c.apply(batch, entry.getIndex()).toByteArray();
    if (batch.getDigestMarker()) {
      recordDigest(c, entry.getIndex());
    }
    return Message.valueOf(UnsafeByteOperations.unsafeWrap(result));
  }

  /**
   * Records the replica's digest at a marker. A failure to compute it is not a failure to apply:
   * the marker changes no state, so the replica goes on and simply has no digest to show (verify
   * reports it NOT_KEPT); a store that cannot be read fails the next real read or write anyway.
   */
  private void recordDigest(ShardCore c, long index) {
    try {
      markerDigests.record(index, c.stateDigest(), c.keyCount());
    } catch (IOException | RuntimeException e) {
      LOG.warn("shard {}: no digest at marker {}: {}", shardId, index, e.toString());
    }
  }

  /**
   * The digest this replica recorded at the digest marker at {@code index}, if it applied that
   * marker and still keeps it.
   */
  public Optional<MarkerDigests.Recorded> markerDigest(long index) {
    return markerDigests.at(index);
  }

  @Override
  protected void skipEntry(long index) {
    ShardCore c = core;
    if (c != null) {
      c.advanceAppliedIndex(index);
    }
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    try {
      ReadQuery q = ReadQuery.parseFrom(request.getContent().asReadOnlyByteBuffer());
      ReadResult r = core().read(q.getKey().toByteArray());
      return CompletableFuture.completedFuture(
          Message.valueOf(UnsafeByteOperations.unsafeWrap(r.toByteArray())));
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  protected void closeState() {
    ShardCore c = core;
    core = null;
    if (c != null) {
      c.store().close();
    }
  }
}

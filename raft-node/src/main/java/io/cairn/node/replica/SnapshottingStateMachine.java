package io.cairn.node.replica;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis side of a Cairn state machine: lifecycle, snapshot files and apply bookkeeping.
 * Subclasses only translate between log entries and their pure core.
 *
 * <p>Threads: Ratis calls {@link #applyTransaction}, {@link #takeSnapshot} and {@link
 * #reinitialize} from the group's single StateMachineUpdater thread, so they never overlap; {@link
 * #pause} comes from the thread that receives a snapshot install, before each of its chunks.
 * Snapshots of a frozen state are written on the snapshot writer. Queries come from other threads
 * and must only use the core's thread-safe read methods.
 *
 * <p>Lifecycle (see shared/notes/ratis.md): BaseStateMachine never moves its LifeCycle, but the
 * server asserts the state machine is PAUSED before reinitialize() after a snapshot install, so we
 * drive it by hand.
 *
 * <p>State on restart: the core is rebuilt from the latest snapshot file and Ratis replays the log
 * after it. Nothing else on disk is trusted.
 */
public abstract class SnapshottingStateMachine extends BaseStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshottingStateMachine.class);

  private final SimpleStateMachineStorage storage = new SnapshotFileStorage();
  private final AppliedIndexWaiters waiters = new AppliedIndexWaiters();
  private final ReplicaFailures failures;
  private volatile RaftStorage raftStorage;
  // Writes snapshots of a frozen state beside the apply thread; null: on the apply thread.
  private final Executor snapshotWriter;
  // When a snapshot Ratis asks for is worth taking; on the apply thread only.
  private final SnapshotSchedule schedule;
  // Guarded by this: whether a snapshot may start in the background (not while pausing or closing).
  private boolean backgroundAllowed;
  private volatile Background background;

  /**
   * @param snapshotWriter where snapshots of a {@link #freezeState frozen state} are written, or
   *     null to write every snapshot on the apply thread
   * @param schedule which of the snapshots Ratis asks for are taken while the replica runs (one is
   *     always taken as it stops)
   */
  SnapshottingStateMachine(
      ReplicaFailures failures, Executor snapshotWriter, SnapshotSchedule schedule) {
    this.failures = failures;
    this.snapshotWriter = snapshotWriter;
    this.schedule = schedule;
  }

  /**
   * The state as of the last applied index, frozen so that a snapshot of it can be written on
   * another thread while entries go on being applied.
   */
  protected interface FrozenState extends AutoCloseable {
    /** Writes what {@link #writeState} would have written at the freeze. */
    void writeTo(OutputStream out) throws IOException;

    /** Keys changed since the freeze (each kept once, until the snapshot is written). */
    int changedKeys();

    /** Ends the freeze. */
    @Override
    void close();
  }

  /** Freezes the state for a snapshot written in the background; null: write it now instead. */
  protected FrozenState freezeState() {
    return null;
  }

  /** A snapshot being written in the background: where it will stand, and its outcome. */
  private record Background(
      TermIndex at, long logBytes, long startedNanos, CompletableFuture<Written> outcome) {}

  private record Written(long bytes, int changedKeys, long endedNanos) {}

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage)
      throws IOException {
    super.initialize(server, groupId, raftStorage);
    this.raftStorage = raftStorage;
    storage.init(raftStorage);
    getLifeCycle().startAndTransition(this::loadLatestSnapshot);
  }

  /**
   * Ratis calls this before every chunk of a snapshot it installs from the leader, so a second call
   * finds the replica paused already and changes nothing (a strict transition threw there and
   * failed every install of more than one chunk).
   */
  @Override
  public void pause() {
    // A snapshot install replaces sm/ next: no snapshot may still be writing there.
    synchronized (this) {
      backgroundAllowed = false;
      getLifeCycle().transitionIfValid(LifeCycle.State.PAUSING);
    }
    awaitBackground();
    getLifeCycle().transitionIfValid(LifeCycle.State.PAUSED);
  }

  @Override
  public void reinitialize() throws IOException {
    // Called after a snapshot was installed from the leader: the sm/ directory was replaced.
    getLifeCycle().startAndTransition(this::loadLatestSnapshot);
    LOG.info(
        "{}: state reloaded from a snapshot installed from the leader, now at {}",
        describe(),
        getLastAppliedTermIndex());
  }

  @Override
  public SimpleStateMachineStorage getStateMachineStorage() {
    return storage;
  }

  /** The group's storage root; files that must survive a snapshot install live here, not in sm/. */
  protected Path groupRoot() {
    return raftStorage.getStorageDir().getRoot().toPath();
  }

  protected Path logDir() {
    return raftStorage.getStorageDir().getCurrentDir().toPath();
  }

  private void loadLatestSnapshot() throws IOException {
    awaitBackground();
    synchronized (this) {
      backgroundAllowed = true;
    }
    SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
    if (snapshot == null) {
      resetState(Optional.empty());
      setLastAppliedTermIndex(TermIndex.INITIAL_VALUE);
      schedule.empty();
      return;
    }
    Path file = snapshot.getFile().getPath();
    MD5Hash md5 = snapshot.getFile().getFileDigest();
    if (md5 != null) {
      MD5FileUtil.verifySavedMD5(file.toFile(), md5);
    }
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      resetState(Optional.of(in));
    }
    TermIndex ti = snapshot.getTermIndex();
    setLastAppliedTermIndex(ti);
    appliedThrough(ti.getIndex());
    long bytes = Files.size(file);
    // Ratis replays the log after the snapshot through applyTransaction, which counts it again.
    schedule.loaded(ti.getIndex(), bytes);
    LOG.info("{}: loaded snapshot {} ({} bytes)", describe(), ti, bytes);
  }

  /** Replaces the whole in-memory state: from the snapshot stream, or empty. */
  protected abstract void resetState(Optional<InputStream> snapshot) throws IOException;

  /** Writes the state as of the last applied index; called on the apply thread. */
  protected abstract void writeState(OutputStream out) throws IOException;

  /** Applies one committed entry's payload; never throws for user input. */
  protected abstract Message applyEntry(LogEntryProto entry) throws IOException;

  /** Moves the core's applied index over an entry that carries no command. */
  protected abstract void skipEntry(long index);

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    try {
      Message reply = applyEntry(entry);
      schedule.applied(entry.getSerializedSize());
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
      appliedThrough(entry.getIndex());
      return CompletableFuture.completedFuture(reply);
    } catch (IOException | RuntimeException | InternalError e) {
      // A committed entry that cannot be applied means this replica would diverge if it went on.
      // Throw, not a failed future: Ratis 3.3.0's apply loop logs a failed future and steps past
      // the entry, and closes the replica only on a thrown exception (docs/ratis-workarounds.md).
      throw failures.applyFailed(getGroupId(), describe(), entry.getIndex(), e);
    }
  }

  @Override
  public void notifyLogFailed(Throwable cause, LogEntryProto failedEntry) {
    // Ratis keeps a replica whose log write failed running (a leader still calls itself leader)
    // and fails every later write: stop the node instead (ReplicaFailures).
    failures.logFailed(getGroupId(), describe(), cause);
  }

  @Override
  public void notifyTermIndexUpdated(long term, long index) {
    // Configuration and metadata entries: no command, but the applied index moves.
    skipEntry(index);
    super.notifyTermIndexUpdated(term, index);
    appliedThrough(index);
  }

  @Override
  public void notifyLeaderChanged(
      org.apache.ratis.protocol.RaftGroupMemberId member,
      org.apache.ratis.protocol.RaftPeerId newLeader) {
    LOG.info("{} {}: leader is now {}", describe(), member.getPeerId(), newLeader);
    onLeadershipEvent();
  }

  @Override
  public void notifyLeaderReady() {
    onLeadershipEvent();
  }

  /** This replica learned of a new leader (or of none), or became a leader ready to serve. */
  protected void onLeadershipEvent() {}

  /** How log lines name this replica's group, e.g. "shard 3" or "meta group". */
  protected abstract String describe();

  protected void appliedThrough(long index) {
    waiters.advanceTo(index);
  }

  /** Completes when this replica has applied {@code index}. */
  public CompletableFuture<Long> awaitApplied(long index) {
    return waiters.await(index);
  }

  // Whether takeSnapshot has logged that it skips snapshots of this leaving replica.
  private volatile boolean saidLeaving;

  @Override
  public long takeSnapshot() throws IOException {
    TermIndex ti = getLastAppliedTermIndex();
    if (ti == null || ti.getIndex() < 0) {
      return -1;
    }
    if (failures.isLeaving(getGroupId())) {
      // Ratis snapshots a replica as it closes or is removed. One that left its group is set
      // aside, never restarted: writing, fsyncing and hashing its whole state right after a
      // replica move was the latency spike the move benchmark saw (docs/benchmarks.md). Taking
      // none changes nothing else: the log is purged only behind a snapshot.
      if (!saidLeaving) {
        // Ratis asks again after every applied batch while the replica is still open: say it once.
        saidLeaving = true;
        LOG.info("{}: no snapshot at {}: this replica is leaving its group", describe(), ti);
      }
      return -1;
    }
    Background running = background;
    if (running != null) {
      if (!running.outcome().isDone()) {
        return -1; // still writing; Ratis asks again after the next applied entries
      }
      background = null;
      return reportBackground(running);
    }
    if (!schedule.due(ti.getIndex()) && !stopping()) {
      return -1; // not worth it yet (SnapshotSchedule); Ratis asks again after the next entries
    }
    long logBytes = schedule.logBytesSince();
    schedule.started(ti.getIndex());
    FrozenState frozen = backgroundAllowed() ? freezeState() : null;
    if (frozen != null) {
      startBackground(ti, logBytes, frozen);
      // Nothing to report yet: Ratis purges the log only behind a snapshot it is told about,
      // and it is told once the file is on disk (the call after the write ended).
      return -1;
    }
    long bytes;
    try {
      bytes = writeSnapshotFile(ti, this::writeState);
    } catch (IOException | RuntimeException e) {
      schedule.failed();
      throw e;
    }
    schedule.written(bytes);
    afterSnapshot();
    LOG.info(
        "{}: took snapshot at {} ({} bytes; {} bytes of log applied since the last)",
        describe(),
        ti,
        bytes,
        logBytes);
    return ti.getIndex();
  }

  /**
   * Whether this replica is stopping: Ratis takes a snapshot as a replica stops, so that it starts
   * again from it instead of replaying its log; that one is taken whatever the schedule.
   */
  private boolean stopping() {
    try {
      RaftServer server = getServer().getNow(null);
      return server != null && !server.getDivision(getGroupId()).getInfo().isAlive();
    } catch (IOException | RuntimeException e) {
      return true; // the division is gone already
    }
  }

  /**
   * Whether a snapshot may be written in the background now: not while the replica pauses for a
   * snapshot install (it then writes on the apply thread, as it would without a writer).
   */
  private synchronized boolean backgroundAllowed() {
    return snapshotWriter != null && backgroundAllowed;
  }

  /** Writes the snapshot of {@code frozen} on the snapshot writer; closes it when done. */
  private void startBackground(TermIndex ti, long logBytes, FrozenState frozen) {
    CompletableFuture<Written> outcome = new CompletableFuture<>();
    synchronized (this) {
      if (!backgroundAllowed) {
        frozen.close(); // paused or closing since the check: no snapshot this time, none lost
        schedule.failed();
        return;
      }
      background = new Background(ti, logBytes, System.nanoTime(), outcome);
    }
    try {
      snapshotWriter.execute(
          () -> {
            Written written;
            // Close the view before the outcome is out: the apply thread may freeze again as soon
            // as it sees the outcome, and a view still open refuses that.
            try (frozen) {
              long bytes = writeSnapshotFile(ti, frozen::writeTo);
              written = new Written(bytes, frozen.changedKeys(), System.nanoTime());
            } catch (IOException | RuntimeException | Error e) {
              outcome.completeExceptionally(e);
              return;
            }
            outcome.complete(written);
          });
    } catch (RejectedExecutionException e) {
      frozen.close();
      outcome.completeExceptionally(e); // the node is closing; reported as a failed snapshot
    }
  }

  /** Tells Ratis about a background snapshot that ended: its index, or -1 if it failed. */
  private long reportBackground(Background done) {
    Written w;
    try {
      w = done.outcome().join();
    } catch (CompletionException | CancellationException e) {
      // Nothing was registered, so the log stays whole; Ratis asks again after the next entries.
      LOG.warn("{}: snapshot at {} failed; the log is kept", describe(), done.at(), e.getCause());
      schedule.failed();
      return -1;
    }
    schedule.written(w.bytes());
    afterSnapshot();
    LOG.info(
        "{}: took snapshot at {} ({} bytes, written in {} ms beside the apply thread, which changed"
            + " {} keys meanwhile; {} bytes of log applied since the last)",
        describe(),
        done.at(),
        w.bytes(),
        (w.endedNanos() - done.startedNanos()) / 1_000_000,
        w.changedKeys(),
        done.logBytes());
    return done.at().getIndex();
  }

  /**
   * Waits for a snapshot writing in the background, if any, to end (it stays on disk if done).
   * Uninterruptibly: a caller that went on while the write still runs could see sm/ change under
   * it.
   */
  private void awaitBackground() {
    Background b = background;
    if (b == null) {
      return;
    }
    try {
      b.outcome().join();
    } catch (CompletionException | CancellationException e) {
      LOG.warn("{}: snapshot at {} failed", describe(), b.at(), e.getCause());
    }
    background = null;
  }

  /** What writes a snapshot's bytes. */
  @FunctionalInterface
  private interface StateWriter {
    void write(OutputStream out) throws IOException;
  }

  /**
   * Writes a snapshot file at {@code ti} through a temporary file, fsyncs it, renames it into place
   * with its MD5 beside it and registers it as the latest; returns its size.
   */
  private long writeSnapshotFile(TermIndex ti, StateWriter writer) throws IOException {
    File target = storage.getSnapshotFile(ti.getTerm(), ti.getIndex());
    Path tmp = target.toPath().resolveSibling(target.getName() + ".tmp");
    // The MD5 Ratis keeps beside a snapshot, computed as the bytes go out rather than by reading
    // the file again; it lands right after the rename, so Ratis's cleanup (which counts only
    // snapshots with one) hardly ever sees the new file without it.
    MessageDigest digest = MD5FileUtil.newMD5();
    try (OutputStream out =
        new DigestOutputStream(
            new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16), digest)) {
      writer.write(out);
    }
    // fsync before the rename: Ratis purges the log behind this snapshot.
    try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(tmp, target.toPath(), StandardCopyOption.ATOMIC_MOVE);
    MD5Hash md5 = MD5Hash.newInstance(digest.digest());
    MD5FileUtil.saveMD5File(target, md5);
    storage.updateLatestSnapshot(
        new SingleFileSnapshotInfo(new FileInfo(target.toPath(), md5), ti));
    return Files.size(target.toPath());
  }

  /** Bytes of this replica's Raft log segments. */
  public long logBytes() {
    try (var files = Files.list(logDir())) {
      return files
          .filter(p -> p.getFileName().toString().startsWith("log_"))
          .mapToLong(p -> p.toFile().length())
          .sum();
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** Hook for housekeeping after a snapshot, on the apply thread. */
  protected void afterSnapshot() {}

  @Override
  public void close() throws IOException {
    // The snapshot Ratis takes as a replica stops may still be writing: let it finish, so the
    // replica restarts from it, and only then close the state it reads.
    synchronized (this) {
      backgroundAllowed = false;
    }
    awaitBackground();
    waiters.failAll(new IOException("replica of group " + getGroupId() + " closed"));
    getLifeCycle().checkStateAndClose(() -> closeState());
    failures.closed(getGroupId(), describe());
  }

  /**
   * Ratis shut this replica down because it is not a member of its group any more (its election
   * found it out of the configuration, or a member told it so): it left, it did not fail.
   */
  @Override
  public void notifyServerShutdown(RoleInfoProto roleInfo, boolean allServer) {
    if (!allServer) {
      failures.leftGroup(getGroupId(), describe());
    }
  }

  protected abstract void closeState() throws IOException;
}

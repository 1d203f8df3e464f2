package io.cairn.node.replica;

import io.cairn.node.runtime.DaemonThreads;
import io.cairn.node.runtime.FatalErrors;
import java.io.IOError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.apache.ratis.protocol.RaftGroupId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this node does when a replica cannot go on, and the record of it for status, /health and
 * metrics. The policy (docs/operations.md, "When a replica or a node stops itself"):
 *
 * <ul>
 *   <li><b>The disk failed</b> — the Raft log cannot be written (a full disk, an I/O error), or an
 *       entry could not be applied because of an I/O error: the <em>node</em> stops ({@link
 *       FatalErrors}), like etcd on a WAL write error. Every replica here shares that disk, a
 *       leader that cannot write its log must not keep its leadership (Ratis 3.3.0 leaves such a
 *       replica running, still calling itself leader), and a supervisor restarting the process gets
 *       a clean start once the disk is usable again; the other nodes serve meanwhile.
 *   <li><b>A committed entry cannot be applied for another reason</b> (a broken invariant: a bug) —
 *       that <em>replica</em> stops: Ratis closes it when apply throws, so it never steps past the
 *       entry and diverges. The node keeps serving its other replicas and reports this one FAILED,
 *       with the reason, until an operator restarts it.
 *   <li><b>Ratis closes a replica on its own</b> while the node is not shutting down: the node
 *       stops, as for the disk, since nothing here can bring that replica back.
 * </ul>
 *
 * Thread-safe.
 */
public final class ReplicaFailures implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicaFailures.class);

  /** Why a replica stopped. */
  public record Failure(String replica, String reason) {}

  private final FatalErrors fatal;
  private final Map<RaftGroupId, Failure> failed = new ConcurrentHashMap<>();
  private final AtomicBoolean nodeClosing = new AtomicBoolean();
  // How many times this node removed each group's replica: a close verdict is about one replica.
  private final Map<RaftGroupId, Long> removals = new ConcurrentHashMap<>();
  private volatile Predicate<RaftGroupId> leftItsGroup = gid -> false;
  private final java.util.Set<RaftGroupId> left = ConcurrentHashMap.newKeySet();
  private static final long CLOSE_VERDICT_DELAY_MS = 2_000;
  private final ScheduledExecutorService verdicts =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("replica-close-verdicts"));

  public ReplicaFailures(FatalErrors fatal) {
    this.fatal = fatal;
  }

  /**
   * A committed entry could not be applied. Stops the node if the cause is I/O; otherwise records
   * the replica as failed and returns the exception its apply must throw, so Ratis closes it.
   */
  RuntimeException applyFailed(RaftGroupId gid, String replica, long index, Throwable cause) {
    String reason = replica + ": cannot apply committed entry " + index + ": " + cause;
    if (isDiskFailure(cause)) {
      record(gid, replica, reason);
      fatal.halt(
          reason + "; check the disk under data.dir (space, errors), then restart the node", cause);
    } else {
      record(
          gid,
          replica,
          reason
              + "; this replica stopped so that it cannot diverge; the other replicas "
              + "serve the shard; restarting the node retries the entry");
      LOG.error("{}", failed.get(gid).reason(), cause);
    }
    return new ReplicaHaltedException(reason, cause);
  }

  /** The Raft log of a replica could not be written: stops the node. */
  void logFailed(RaftGroupId gid, String replica, Throwable cause) {
    String reason = replica + ": its Raft log cannot be written (" + cause + ")";
    record(gid, replica, reason);
    fatal.halt(
        reason + "; free space or fix the disk under data.dir, then restart the node", cause);
  }

  /** Ratis closed a replica; unexpected unless the node is shutting down or it failed already. */
  void closed(RaftGroupId gid, String replica) {
    if (explained(gid) || verdicts.isShutdown()) {
      return;
    }
    long removalsAtClose = removals.getOrDefault(gid, 0L);
    // Ratis tells a replica that it left its group (notifyServerShutdown) only after closing it:
    // give that word a moment to arrive before calling the close a failure.
    verdicts.schedule(
        () -> {
          // Removed by this node since (forget): the close was of that replica, and a replica of
          // the same group created here afterwards (moved back within the delay) is another one.
          if (explained(gid) || removals.getOrDefault(gid, 0L) != removalsAtClose) {
            return;
          }
          String reason =
              replica
                  + ": Ratis closed this replica while the node was running (see the log above)";
          record(gid, replica, reason);
          fatal.halt(reason + "; restart the node", null);
        },
        CLOSE_VERDICT_DELAY_MS,
        TimeUnit.MILLISECONDS);
  }

  /** Ratis shut a replica down because it is no longer a member of its group. */
  void leftGroup(RaftGroupId gid, String replica) {
    if (left.add(gid)) {
      LOG.info("{}: not a member of its group any more; Ratis closed it", replica);
    }
  }

  /** Whether the replica of {@code gid} was closed because it left its group. */
  boolean hasLeft(RaftGroupId gid) {
    return left.contains(gid);
  }

  /**
   * Whether the replica of {@code gid} left its group or is leaving it: this node is removing it,
   * or the group's configuration no longer names this node.
   */
  boolean isLeaving(RaftGroupId gid) {
    return left.contains(gid) || leftItsGroup.test(gid);
  }

  private boolean explained(RaftGroupId gid) {
    return nodeClosing.get()
        || failed.containsKey(gid)
        || left.contains(gid)
        || leftItsGroup.test(gid);
  }

  /**
   * Tells which replicas close because they left their group (moved off this node): those closes
   * are expected, not failures.
   */
  void closesExpectedWhen(Predicate<RaftGroupId> leftItsGroup) {
    this.leftItsGroup = leftItsGroup;
  }

  /** A replica that was removed from this node is no longer reported, nor is its close. */
  void forget(RaftGroupId gid) {
    removals.merge(gid, 1L, Long::sum);
    failed.remove(gid);
    left.remove(gid);
  }

  /** From now on replicas close because the node does. */
  void nodeClosing() {
    nodeClosing.set(true);
  }

  /** Stops the thread that judges unexplained closes; call after the replicas have closed. */
  @Override
  public void close() {
    verdicts.shutdownNow();
  }

  public Optional<Failure> of(RaftGroupId gid) {
    return Optional.ofNullable(failed.get(gid));
  }

  public Map<RaftGroupId, Failure> all() {
    return Map.copyOf(failed);
  }

  private void record(RaftGroupId gid, String replica, String reason) {
    failed.putIfAbsent(gid, new Failure(replica, reason));
  }

  /**
   * Whether {@code t} says the disk failed rather than the logic: an I/O exception anywhere in its
   * causes (MapDB wraps them in its own runtime exceptions), or the InternalError the JVM throws
   * when a write to a memory-mapped file fails (MapDB maps its store; a full disk shows up so).
   */
  static boolean isDiskFailure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof IOException
          || c instanceof UncheckedIOException
          || c instanceof IOError
          || c instanceof InternalError) {
        return true;
      }
    }
    return false;
  }
}

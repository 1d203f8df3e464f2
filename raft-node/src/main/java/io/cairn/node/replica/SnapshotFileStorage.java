package io.cairn.node.replica;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;

/**
 * Ratis's snapshot files in a replica's {@code sm/} directory, with old ones deleted only after a
 * new one was registered.
 *
 * <p>Why: Ratis cleans up after every call to {@code takeSnapshot}, including the calls that take
 * none, and each cleanup lists the directory and looks up every snapshot's MD5 file. Ratis asks
 * again after every applied batch until it gets a snapshot, which happens for most entries now that
 * a shard waits for its log to outgrow its state ({@link SnapshotSchedule}): at one client that was
 * directory listings on the apply thread for nearly every write. Cleaning up only after a new
 * snapshot also keeps the cleanup from running while a background snapshot is between its rename
 * and its MD5 file (Ratis then logs that a snapshot "has missing MD5 file").
 */
final class SnapshotFileStorage extends SimpleStateMachineStorage {
  private final AtomicBoolean registeredSinceCleanup = new AtomicBoolean(true);

  @Override
  public SingleFileSnapshotInfo updateLatestSnapshot(SingleFileSnapshotInfo info) {
    SingleFileSnapshotInfo latest = super.updateLatestSnapshot(info);
    registeredSinceCleanup.set(true);
    return latest;
  }

  @Override
  public void cleanupOldSnapshots(SnapshotRetentionPolicy policy) throws IOException {
    if (registeredSinceCleanup.getAndSet(false)) {
      super.cleanupOldSnapshots(policy);
    }
  }
}

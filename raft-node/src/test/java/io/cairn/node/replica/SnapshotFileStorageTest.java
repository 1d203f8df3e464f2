package io.cairn.node.replica;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.MD5FileUtil;
import org.apache.ratis.util.SizeInBytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotFileStorageTest {
  private static final SnapshotRetentionPolicy KEEP_ONE =
      new SnapshotRetentionPolicy() {
        @Override
        public int getNumSnapshotsRetained() {
          return 1;
        }
      };

  @TempDir Path dir;

  private SnapshotFileStorage storage() throws IOException {
    RaftStorage raft =
        RaftStorage.newBuilder()
            .setDirectory(dir.toFile())
            .setOption(RaftStorage.StartupOption.RECOVER)
            .setStorageFreeSpaceMin(SizeInBytes.valueOf(0))
            .build();
    raft.initialize();
    SnapshotFileStorage storage = new SnapshotFileStorage();
    storage.init(raft);
    return storage;
  }

  /** Writes a snapshot file at index {@code index} with its MD5 beside it. */
  private static SingleFileSnapshotInfo snapshotFile(SnapshotFileStorage storage, long index)
      throws IOException {
    File f = storage.getSnapshotFile(1, index);
    Files.writeString(f.toPath(), "state at " + index);
    MD5Hash md5 = MD5FileUtil.computeMd5ForFile(f);
    MD5FileUtil.saveMD5File(f, md5);
    return new SingleFileSnapshotInfo(new FileInfo(f.toPath(), md5), TermIndex.valueOf(1, index));
  }

  @Test
  void oldSnapshotsGoOnlyAtTheCleanupAfterANewOneWasRegistered() throws IOException {
    SnapshotFileStorage storage = storage();
    SingleFileSnapshotInfo first = snapshotFile(storage, 10);
    storage.updateLatestSnapshot(first);
    storage.cleanupOldSnapshots(KEEP_ONE);
    assertThat(first.getFile().getPath()).exists();

    // A file Ratis's cleanup would delete, yet no snapshot was registered since the last cleanup:
    // the calls that took no snapshot leave the directory alone.
    SingleFileSnapshotInfo unregistered = snapshotFile(storage, 20);
    storage.cleanupOldSnapshots(KEEP_ONE);
    storage.cleanupOldSnapshots(KEEP_ONE);
    assertThat(first.getFile().getPath()).exists();

    SingleFileSnapshotInfo third = snapshotFile(storage, 30);
    storage.updateLatestSnapshot(third);
    storage.cleanupOldSnapshots(KEEP_ONE);
    assertThat(first.getFile().getPath()).doesNotExist();
    assertThat(unregistered.getFile().getPath()).doesNotExist();
    assertThat(third.getFile().getPath()).exists();
    assertThat(storage.getLatestSnapshot().getIndex()).isEqualTo(30);
  }
}

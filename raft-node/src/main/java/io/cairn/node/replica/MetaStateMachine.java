package io.cairn.node.replica;

import io.cairn.proto.ShardMap;
import io.cairn.proto.internal.MetaCommand;
import io.cairn.statemachine.MapChangeCheck;
import io.cairn.statemachine.MetaCore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ratis adapter for the meta group, whose whole state is the shard map. Queries return the current
 * map (empty bytes if none was installed yet).
 */
public final class MetaStateMachine extends SnapshottingStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(MetaStateMachine.class);
  private volatile MetaCore core = new MetaCore();
  private final Consumer<ShardMap> onMapChanged;

  public MetaStateMachine(Consumer<ShardMap> onMapChanged, ReplicaFailures failures) {
    // The meta group's state is small: a snapshot whenever Ratis asks, on the apply thread.
    super(failures, null, SnapshotSchedule.whenRatisAsks());
    this.onMapChanged = onMapChanged;
  }

  public Optional<ShardMap> currentMap() {
    return core.current();
  }

  @Override
  protected String describe() {
    return "meta group";
  }

  @Override
  protected void resetState(Optional<InputStream> snapshot) throws IOException {
    core = snapshot.isPresent() ? MetaCore.restore(snapshot.get()) : new MetaCore();
    core.current().ifPresent(onMapChanged);
  }

  @Override
  protected void writeState(OutputStream out) throws IOException {
    core.writeSnapshot(out);
  }

  /**
   * Runs on the leader only, for every entry proposed to the meta group, whoever sent it: an entry
   * that is not a meta command, or whose map Cairn's own code could not have made (MapChangeCheck),
   * is refused before it reaches the log.
   */
  @Override
  public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
    try {
      MetaCommand cmd =
          MetaCommand.parseFrom(request.getMessage().getContent().asReadOnlyByteBuffer());
      switch (cmd.getOpCase()) {
        case INIT_IF_ABSENT -> MapChangeCheck.check(Optional.empty(), cmd.getInitIfAbsent());
        case REPLACE -> MapChangeCheck.check(core.current(), cmd.getReplace());
        case OP_NOT_SET -> {} // a read through the log (MapChanges.readThroughLog)
      }
    } catch (IOException | IllegalArgumentException e) {
      LOG.warn(
          "meta group: refused an entry from client {}: {}", request.getClientId(), e.getMessage());
      TransactionContext trx = super.startTransaction(request);
      trx.setException(
          new IllegalArgumentException("meta group: entry refused: " + e.getMessage()));
      return trx;
    }
    return super.startTransaction(request);
  }

  @Override
  protected Message applyEntry(LogEntryProto entry) throws IOException {
    MetaCommand cmd =
        MetaCommand.parseFrom(entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer());
    Optional<ShardMap> before = core.current();
    ShardMap after = core.apply(cmd, entry.getIndex());
    if (before.isEmpty() || before.get().getEpoch() != after.getEpoch()) {
      onMapChanged.accept(after);
    }
    return Message.valueOf(UnsafeByteOperations.unsafeWrap(after.toByteArray()));
  }

  @Override
  protected void skipEntry(long index) {
    core.advanceAppliedIndex(index);
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    byte[] map = core.current().map(ShardMap::toByteArray).orElse(new byte[0]);
    return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(map)));
  }

  @Override
  protected void closeState() {}
}

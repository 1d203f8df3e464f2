package io.cairn.node.replica;

import io.cairn.proto.ShardMap;
import io.cairn.proto.internal.MetaCommand;
import io.cairn.statemachine.MetaCore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * Ratis adapter for the meta group, whose whole state is the shard map. Queries return the current
 * map (empty bytes if none was installed yet).
 */
public final class MetaStateMachine extends SnapshottingStateMachine {
  private volatile MetaCore core = new MetaCore();
  private final Consumer<ShardMap> onMapChanged;

  public MetaStateMachine(Consumer<ShardMap> onMapChanged, ReplicaFailures failures) {
    super(failures);
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

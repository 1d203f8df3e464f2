package io.cairn.node.routing;

import io.cairn.node.replica.ReplicaNotReadyException;
import io.cairn.proto.ShardMap;
import io.cairn.proto.internal.MetaCommand;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.UnaryOperator;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * Changes the shard map through the meta group: an edit of the current map, proposed as the next
 * epoch with {@code replace} (which commits only if no other change came first), redone on the map
 * that won when one did.
 *
 * <p>One change at a time per node, on a thread of its own: the meta group's client blocks
 * (GroupClients explains why), and a request thread must not.
 */
public final class MapChanges implements Closeable {
  /** How often an edit is redone on a newer map before the change gives up. */
  static final int ATTEMPTS_MAX = 5;

  private final ShardDirectory directory;
  private final GroupClients clients;
  private final ExecutorService thread =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "map-changes");
            t.setDaemon(true);
            return t;
          });

  public MapChanges(ShardDirectory directory, GroupClients clients) {
    this.directory = directory;
    this.clients = clients;
  }

  /**
   * Applies {@code edit} to the current map and commits the result as the next epoch. The edit gets
   * a map and returns it changed, or unchanged when there is nothing to do (then nothing is
   * proposed); it may throw IllegalArgumentException to refuse. Completes with the map the meta
   * group holds afterwards.
   */
  public CompletableFuture<ShardMap> change(String what, UnaryOperator<ShardMap> edit) {
    return CompletableFuture.supplyAsync(
        () -> {
          ShardMap base = directory.map();
          for (int attempt = 0; attempt < ATTEMPTS_MAX; attempt++) {
            ShardMap edited = edit.apply(base);
            if (edited.equals(base)) {
              return base;
            }
            ShardMap next = edited.toBuilder().setEpoch(base.getEpoch() + 1).build();
            ShardMap held = propose(base, next);
            if (held.getEpoch() == 0) {
              // replace changes nothing before bootstrap, and the group answers with no map
              throw new ReplicaNotReadyException(
                  "the meta group holds no shard map yet (the cluster is still starting)");
            }
            directory.adopt(held);
            if (held.equals(next)) {
              return held;
            }
            base = held; // another change came first: redo the edit on the map that won
          }
          throw new IllegalStateException(
              what + ": the shard map changed " + ATTEMPTS_MAX + " times under it; retry");
        },
        thread);
  }

  private ShardMap propose(ShardMap base, ShardMap next) {
    byte[] cmd = MetaCommand.newBuilder().setReplace(next).build().toByteArray();
    try {
      RaftClientReply reply =
          clients
              .client(base.getMeta(), base)
              .io()
              .send(Message.valueOf(UnsafeByteOperations.unsafeWrap(cmd)));
      if (!reply.isSuccess()) {
        throw new CompletionException(reply.getException());
      }
      return ShardMap.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}

package io.cairn.node.routing;

import io.cairn.node.replica.ReplicaNotReadyException;
import io.cairn.node.runtime.DaemonThreads;
import io.cairn.proto.ShardMap;
import io.cairn.proto.internal.MetaCommand;
import java.io.Closeable;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * Changes the shard map through the meta group: reads the map the group holds (through its log, so
 * the read is linearizable), applies an edit, and proposes the result as the next epoch with {@code
 * replace}, which commits only if no other change came first; when one did, the edit is redone on
 * the map that won. The base is never this node's own copy of the map, which may be old or, before
 * bootstrap, only a guess computed from the configuration.
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
      Executors.newSingleThreadExecutor(DaemonThreads.named("map-changes"));

  public MapChanges(ShardDirectory directory, GroupClients clients) {
    this.directory = directory;
    this.clients = clients;
  }

  /**
   * Applies {@code edit} to the meta group's current map and commits the result as the next epoch.
   * The edit gets a map and returns it changed, or unchanged when there is nothing to do (then
   * nothing is proposed); it may throw IllegalArgumentException to refuse. Completes with the map
   * the meta group holds afterwards. Fails with {@link ReplicaNotReadyException} (retryable) when
   * the meta group cannot be reached or holds no map yet.
   *
   * @param stillWanted asked before the change starts: a change whose caller has given up (its
   *     deadline passed while earlier changes ran) is not made
   */
  public CompletableFuture<ShardMap> change(
      String what, UnaryOperator<ShardMap> edit, BooleanSupplier stillWanted) {
    try {
      return CompletableFuture.supplyAsync(
          () -> {
            if (!stillWanted.getAsBoolean()) {
              throw new ReplicaNotReadyException(what + ": the caller gave up before it started");
            }
            return changeNow(what, edit);
          },
          thread);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new AlreadyClosedException("map changes are closed"));
    }
  }

  /** The meta group's current map, read through its log. */
  public CompletableFuture<ShardMap> current() {
    try {
      return CompletableFuture.supplyAsync(this::readThroughLog, thread);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new AlreadyClosedException("map changes are closed"));
    }
  }

  private ShardMap changeNow(String what, UnaryOperator<ShardMap> edit) {
    ShardMap base = readThroughLog();
    for (int attempt = 0; attempt < ATTEMPTS_MAX; attempt++) {
      ShardMap edited = edit.apply(base);
      if (edited.equals(base)) {
        return base;
      }
      ShardMap next = edited.toBuilder().setEpoch(base.getEpoch() + 1).build();
      ShardMap held = send(MetaCommand.newBuilder().setReplace(next).build(), base);
      if (held.equals(next)) {
        return held;
      }
      base = held; // another change came first: redo the edit on the map that won
    }
    throw new ReplicaNotReadyException(
        what + ": the shard map changed " + ATTEMPTS_MAX + " times under it; retry");
  }

  /**
   * An empty meta command goes through the log like any other and is answered with the map the
   * group holds once it applies: a linearizable read, at the cost of one entry per change.
   */
  private ShardMap readThroughLog() {
    return send(MetaCommand.getDefaultInstance(), directory.map());
  }

  /** Sends a meta command; returns the group's map after it. */
  private ShardMap send(MetaCommand cmd, ShardMap route) {
    ShardMap held;
    try {
      RaftClientReply reply =
          clients
              .client(route.getMeta(), route)
              .io()
              .send(Message.valueOf(UnsafeByteOperations.unsafeWrap(cmd.toByteArray())));
      if (!reply.isSuccess()) {
        throw new ReplicaNotReadyException(
            "the meta group did not take the change: " + reply.getException() + "; retry");
      }
      held = ShardMap.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer());
    } catch (IOException e) {
      throw new ReplicaNotReadyException("the meta group did not answer: " + e + "; retry");
    }
    if (held.getEpoch() == 0) {
      throw new ReplicaNotReadyException(
          "the meta group holds no shard map yet (the cluster is still starting); retry");
    }
    directory.adopt(held);
    return held;
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}

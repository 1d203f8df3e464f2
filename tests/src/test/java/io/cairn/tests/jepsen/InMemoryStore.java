package io.cairn.tests.jepsen;

import io.cairn.proto.ErrorDetail;
import io.cairn.tests.history.Op;
import io.cairn.tests.history.OpResult;
import io.cairn.tests.history.ReadConsistency;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A single-copy versioned map with Cairn's semantics (versions are a global, growing index; 0 in a
 * compare-and-set means "absent"), answering through the {@link OpSender} interface. Atomic per
 * operation, so linearizable - unless built {@link #withStaleLinearizableReads stale}, when
 * LINEARIZABLE reads come from a copy refreshed only every few writes, the bug a deposed leader
 * serving local reads would have.
 */
final class InMemoryStore {

  private record Versioned(String value, long version) {}

  private final Map<String, Versioned> live = new HashMap<>();
  private Map<String, Versioned> lagging = new HashMap<>();
  private final int refreshEveryWrites;
  private long index;
  private int writesSinceRefresh;

  private InMemoryStore(int refreshEveryWrites) {
    this.refreshEveryWrites = refreshEveryWrites;
  }

  static InMemoryStore linearizable() {
    return new InMemoryStore(0);
  }

  static InMemoryStore withStaleLinearizableReads(int refreshEveryWrites) {
    return new InMemoryStore(refreshEveryWrites);
  }

  /** A sender onto this store; every sender shares the same state. */
  OpSender sender() {
    return new OpSender() {
      @Override
      public CompletableFuture<OpResult> send(Op op) {
        try {
          return CompletableFuture.completedFuture(apply(op));
        } catch (RuntimeException e) {
          return CompletableFuture.failedFuture(e);
        }
      }

      @Override
      public void close() {}
    };
  }

  synchronized OpResult apply(Op op) {
    return switch (op.kind()) {
      case GET -> read(op);
      case PUT, PUT_CAS -> {
        check(op);
        Versioned v = new Versioned(op.value(), ++index);
        live.put(op.key(), v);
        wrote();
        yield new OpResult.PutResult(v.version());
      }
      case DELETE, DELETE_CAS -> {
        check(op);
        boolean existed = live.remove(op.key()) != null;
        wrote();
        yield new OpResult.DeleteResult(existed, ++index);
      }
    };
  }

  private OpResult read(Op op) {
    Map<String, Versioned> source =
        refreshEveryWrites > 0 && op.consistency() == ReadConsistency.LINEARIZABLE ? lagging : live;
    Versioned v = source.get(op.key());
    return v == null
        ? new OpResult.GetResult(false, null, 0)
        : new OpResult.GetResult(true, v.value(), v.version());
  }

  private void check(Op op) {
    if (!op.kind().isCompareAndSet()) {
      return;
    }
    Versioned current = live.get(op.key());
    boolean matches =
        op.expectedVersion() == 0
            ? current == null
            : current != null && current.version() == op.expectedVersion();
    if (!matches) {
      throw mismatch(current == null ? 0 : current.version(), current != null);
    }
  }

  private void wrote() {
    if (refreshEveryWrites > 0 && ++writesSinceRefresh >= refreshEveryWrites) {
      lagging = new HashMap<>(live);
      writesSinceRefresh = 0;
    }
  }

  /** The status a node answers a refused compare-and-set with. */
  static RuntimeException mismatch(long currentVersion, boolean exists) {
    Metadata trailers = new Metadata();
    trailers.put(
        OutcomeMapping.DETAIL_KEY,
        ErrorDetail.newBuilder()
            .setReason(ErrorDetail.Reason.VERSION_MISMATCH)
            .setCurrentVersion(currentVersion)
            .setExists(exists)
            .build());
    return Status.FAILED_PRECONDITION
        .withDescription("version mismatch")
        .asRuntimeException(trailers);
  }
}

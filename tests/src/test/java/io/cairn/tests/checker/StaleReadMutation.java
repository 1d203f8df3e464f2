package io.cairn.tests.checker;

import io.cairn.tests.history.History;
import io.cairn.tests.history.OpResult;
import io.cairn.tests.history.Operation;
import io.cairn.tests.history.ReadConsistency;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns a linearizable history into one that certainly is not: an OK LINEARIZABLE read R is made to
 * return the value and version of an OK put W_old, where another OK write W_new began after W_old
 * completed and completed before R began. Real time forces W_old, W_new, R in that order, W_new
 * replaced or removed W_old's value, and values are unique per write, so no linearization can let R
 * see W_old.
 */
final class StaleReadMutation {

  private StaleReadMutation() {}

  /** The mutated history, choosing among the possible reads by {@code pick}; empty if none. */
  static Optional<History> apply(History history, int pick) {
    List<Operation> operations = history.operations();
    List<Operation[]> candidates = new ArrayList<>();
    for (Operation read : operations) {
      if (!read.isOk() || read.op().consistency() != ReadConsistency.LINEARIZABLE) {
        continue;
      }
      Operation stale = staleWriteFor(read, operations);
      if (stale != null) {
        candidates.add(new Operation[] {read, stale});
      }
    }
    if (candidates.isEmpty()) {
      return Optional.empty();
    }
    Operation[] chosen = candidates.get(Math.floorMod(pick, candidates.size()));
    Operation read = chosen[0];
    Operation stale = chosen[1];
    long version = ((OpResult.PutResult) stale.result()).version();
    Operation mutated =
        Operation.ok(
            read.id(),
            read.process(),
            read.op(),
            read.invokeNanos(),
            read.completeNanos(),
            OpResult.found(stale.op().value(), version));
    List<Operation> changed = new ArrayList<>(operations);
    changed.set(operations.indexOf(read), mutated);
    return Optional.of(new History(changed));
  }

  private static Operation staleWriteFor(Operation read, List<Operation> operations) {
    for (Operation newer : operations) {
      if (!isOkWriteOn(newer, read.key()) || !newer.precedes(read)) {
        continue;
      }
      for (Operation older : operations) {
        if (older != newer
            && isOkWriteOn(older, read.key())
            && older.op().kind().isPut()
            && older.precedes(newer)) {
          return older;
        }
      }
    }
    return null;
  }

  private static boolean isOkWriteOn(Operation operation, String key) {
    return operation.isOk() && operation.op().kind().isWrite() && operation.key().equals(key);
  }
}

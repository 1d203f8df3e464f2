package io.cairn.tests.checker;

import io.cairn.tests.history.Failure;
import io.cairn.tests.history.History;
import io.cairn.tests.history.Op;
import io.cairn.tests.history.OpResult;
import io.cairn.tests.history.Operation;
import io.cairn.tests.history.ReadConsistency;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes hand-made histories for checker tests, one line per operation: process, key, arguments,
 * invoke and complete times in milliseconds, then the outcome. Ids are assigned in call order.
 */
final class HistoryScript {

  private static final long NANOS_PER_MILLI = 1_000_000;

  private final List<Operation> operations = new ArrayList<>();
  private long nextId = 1;

  HistoryScript putOk(int p, String key, String value, long invoke, long complete, long version) {
    return ok(p, Op.put(key, value), invoke, complete, OpResult.put(version));
  }

  HistoryScript putInfo(int p, String key, String value, long invoke, long gaveUp) {
    return info(p, Op.put(key, value), invoke, gaveUp);
  }

  HistoryScript putRejected(int p, String key, String value, long invoke, long complete) {
    return add(
        Operation.fail(
            nextId++,
            p,
            Op.put(key, value),
            nanos(invoke),
            nanos(complete),
            Failure.rejected("value too large")));
  }

  HistoryScript casOk(
      int p, String key, String value, long expected, long invoke, long complete, long version) {
    return ok(p, Op.putCas(key, value, expected), invoke, complete, OpResult.put(version));
  }

  HistoryScript casInfo(int p, String key, String value, long expected, long invoke, long gaveUp) {
    return info(p, Op.putCas(key, value, expected), invoke, gaveUp);
  }

  /** A refused PUT_CAS; {@code current} 0 means the key was reported absent. */
  HistoryScript casMismatch(
      int p, String key, String value, long expected, long invoke, long complete, long current) {
    return mismatch(p, Op.putCas(key, value, expected), invoke, complete, current);
  }

  HistoryScript getOk(int p, String key, long invoke, long complete, String value, long version) {
    return read(ReadConsistency.LINEARIZABLE, p, key, invoke, complete, value, version);
  }

  HistoryScript getMissing(int p, String key, long invoke, long complete) {
    return read(ReadConsistency.LINEARIZABLE, p, key, invoke, complete, null, 0);
  }

  HistoryScript getInfo(int p, String key, long invoke, long gaveUp) {
    return info(p, Op.get(key, ReadConsistency.LINEARIZABLE), invoke, gaveUp);
  }

  /** A get at any consistency; a null value means not found. */
  HistoryScript read(
      ReadConsistency consistency,
      int p,
      String key,
      long invoke,
      long complete,
      String value,
      long version) {
    OpResult result = value == null ? OpResult.notFound() : OpResult.found(value, version);
    return ok(p, Op.get(key, consistency), invoke, complete, result);
  }

  HistoryScript deleteOk(
      int p, String key, long invoke, long complete, boolean existed, long index) {
    return ok(p, Op.delete(key), invoke, complete, OpResult.deleted(existed, index));
  }

  HistoryScript deleteInfo(int p, String key, long invoke, long gaveUp) {
    return info(p, Op.delete(key), invoke, gaveUp);
  }

  HistoryScript deleteCasOk(
      int p, String key, long expected, long invoke, long complete, boolean existed, long index) {
    return ok(p, Op.deleteCas(key, expected), invoke, complete, OpResult.deleted(existed, index));
  }

  HistoryScript deleteCasMismatch(
      int p, String key, long expected, long invoke, long complete, long current) {
    return mismatch(p, Op.deleteCas(key, expected), invoke, complete, current);
  }

  HistoryScript add(Operation operation) {
    operations.add(operation);
    return this;
  }

  History history() {
    return new History(operations);
  }

  private HistoryScript ok(int p, Op op, long invoke, long complete, OpResult result) {
    return add(Operation.ok(nextId++, p, op, nanos(invoke), nanos(complete), result));
  }

  private HistoryScript info(int p, Op op, long invoke, long gaveUp) {
    return add(Operation.info(nextId++, p, op, nanos(invoke), nanos(gaveUp), "DEADLINE_EXCEEDED"));
  }

  private HistoryScript mismatch(int p, Op op, long invoke, long complete, long current) {
    return add(
        Operation.fail(
            nextId++,
            p,
            op,
            nanos(invoke),
            nanos(complete),
            Failure.versionMismatch(current, current > 0)));
  }

  private static long nanos(long millis) {
    return millis * NANOS_PER_MILLI;
  }
}

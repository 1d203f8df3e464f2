package io.cairn.tests.checker;

import io.cairn.tests.history.Failure;
import io.cairn.tests.history.History;
import io.cairn.tests.history.Op;
import io.cairn.tests.history.OpKind;
import io.cairn.tests.history.OpResult;
import io.cairn.tests.history.Operation;
import io.cairn.tests.history.ReadConsistency;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Generates histories that are linearizable by construction: concurrent sequential processes whose
 * operations take effect, one at a time, on an in-memory versioned map at a linearization point
 * inside their [invoke, complete] interval. Versions come from one log index counter, as in a
 * shard. Some operations end INFO: an INFO write applies at a point that may lie after the client
 * gave up, or never; an INFO read's answer is lost. Every key gets a final LINEARIZABLE read after
 * everything else, as the harness does after healing.
 *
 * <p>Deterministic for a given seed and parameters. Times advance in ticks of {@link #TICK_NANOS}.
 */
final class RegisterSimulation {

  /**
   * @param infoPercent the share of operations that end INFO
   */
  record Parameters(int processes, int keys, int opsPerProcess, int infoPercent) {}

  static final long TICK_NANOS = 10_000;

  private record Entry(String value, long version) {}

  /** An operation before its outcome is known. */
  private static final class Slot {
    final int process;
    final long invoke;
    final long linearize;
    final long complete;
    final boolean info;
    final boolean applies;
    OpKind kind;
    String key;
    String value;
    ReadConsistency consistency;

    Slot(int process, long invoke, long linearize, long complete, boolean info, boolean applies) {
      this.process = process;
      this.invoke = invoke;
      this.linearize = linearize;
      this.complete = complete;
      this.info = info;
      this.applies = applies;
    }
  }

  private final Random random;
  private final Parameters parameters;
  private final Map<String, Entry> store = new HashMap<>();
  private long logIndex;
  private long nextId = 1;
  private int nextValue;

  private RegisterSimulation(long seed, Parameters parameters) {
    this.random = new Random(seed);
    this.parameters = parameters;
  }

  static History run(long seed, Parameters parameters) {
    return new RegisterSimulation(seed, parameters).run();
  }

  private History run() {
    List<Slot> slots = new ArrayList<>();
    for (int p = 0; p < parameters.processes(); p++) {
      long time = random.nextInt(10);
      for (int i = 0; i < parameters.opsPerProcess(); i++) {
        long invoke = time + random.nextInt(5);
        boolean info = random.nextInt(100) < parameters.infoPercent();
        long complete;
        long linearize;
        if (info) {
          complete = invoke + 1 + random.nextInt(20);
          linearize = invoke + 1 + random.nextInt(60); // may be after the client gave up
        } else {
          linearize = invoke + 1 + random.nextInt(20);
          complete = linearize + random.nextInt(20);
        }
        slots.add(
            new Slot(
                p,
                invoke * TICK_NANOS,
                linearize * TICK_NANOS,
                complete * TICK_NANOS,
                info,
                !info || random.nextBoolean()));
        time = complete + 1;
      }
    }
    slots.sort(Comparator.comparingLong((Slot s) -> s.linearize));
    List<Operation> operations = new ArrayList<>();
    long end = 0;
    for (Slot slot : slots) {
      choose(slot);
      operations.add(apply(slot));
      end = Math.max(end, Math.max(slot.linearize, slot.complete));
    }
    int finalProcess = parameters.processes();
    for (int k = 0; k < parameters.keys(); k++) {
      String key = "k" + k;
      Entry entry = store.get(key);
      OpResult result =
          entry == null ? OpResult.notFound() : OpResult.found(entry.value(), entry.version());
      operations.add(
          Operation.ok(
              nextId++,
              finalProcess,
              Op.get(key, ReadConsistency.LINEARIZABLE),
              end + (1 + 2L * k) * TICK_NANOS,
              end + (2 + 2L * k) * TICK_NANOS,
              result));
    }
    return new History(operations);
  }

  private void choose(Slot slot) {
    slot.key = "k" + random.nextInt(parameters.keys());
    int dice = random.nextInt(100);
    if (dice < 40) {
      slot.kind = OpKind.GET;
      int c = random.nextInt(100);
      slot.consistency =
          c < 70
              ? ReadConsistency.LINEARIZABLE
              : c < 85 ? ReadConsistency.SESSION : ReadConsistency.EVENTUAL;
    } else if (dice < 65) {
      slot.kind = OpKind.PUT;
    } else if (dice < 80) {
      slot.kind = OpKind.PUT_CAS;
    } else if (dice < 90) {
      slot.kind = OpKind.DELETE;
    } else {
      slot.kind = OpKind.DELETE_CAS;
    }
    if (slot.kind.isPut()) {
      slot.value = "v" + slot.process + "-" + nextValue++;
    }
  }

  /** Chooses a compare-and-set expectation that is right about half the time. */
  private long expectation(Entry current) {
    long actual = current == null ? 0 : current.version();
    return switch (random.nextInt(4)) {
      case 0, 1 -> actual;
      case 2 -> 0;
      default -> Math.max(0, actual - 1 - random.nextInt(3));
    };
  }

  private Operation apply(Slot slot) {
    Entry current = store.get(slot.key);
    long id = nextId++;
    if (slot.kind == OpKind.GET) {
      Op op = Op.get(slot.key, slot.consistency);
      if (slot.info) {
        return Operation.info(
            id, slot.process, op, slot.invoke, slot.complete, "DEADLINE_EXCEEDED");
      }
      OpResult result =
          current == null
              ? OpResult.notFound()
              : OpResult.found(current.value(), current.version());
      return Operation.ok(id, slot.process, op, slot.invoke, slot.complete, result);
    }
    long expected = slot.kind.isCompareAndSet() ? expectation(current) : Op.NO_EXPECTATION;
    Op op =
        switch (slot.kind) {
          case PUT -> Op.put(slot.key, slot.value);
          case PUT_CAS -> Op.putCas(slot.key, slot.value, expected);
          case DELETE -> Op.delete(slot.key);
          case DELETE_CAS -> Op.deleteCas(slot.key, expected);
          case GET -> throw new AssertionError();
        };
    if (!slot.applies) {
      return Operation.info(id, slot.process, op, slot.invoke, slot.complete, "UNAVAILABLE");
    }
    long currentVersion = current == null ? 0 : current.version();
    long index = ++logIndex;
    OpResult result;
    if (expected != Op.NO_EXPECTATION && expected != currentVersion) {
      result = null;
    } else if (slot.kind.isPut()) {
      store.put(slot.key, new Entry(slot.value, index));
      result = OpResult.put(index);
    } else {
      store.remove(slot.key);
      result = OpResult.deleted(current != null, index);
    }
    if (slot.info) {
      return Operation.info(id, slot.process, op, slot.invoke, slot.complete, "DEADLINE_EXCEEDED");
    }
    if (result == null) {
      return Operation.fail(
          id,
          slot.process,
          op,
          slot.invoke,
          slot.complete,
          Failure.versionMismatch(currentVersion, current != null));
    }
    return Operation.ok(id, slot.process, op, slot.invoke, slot.complete, result);
  }
}

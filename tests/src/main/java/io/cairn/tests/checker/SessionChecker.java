package io.cairn.tests.checker;

import io.cairn.tests.history.History;
import io.cairn.tests.history.OpResult;
import io.cairn.tests.history.Operation;
import io.cairn.tests.history.ReadConsistency;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks the SESSION read guarantees per process and key: read-your-writes and monotonic reads.
 *
 * <p>A process (one client session; the recorder makes it sequential) carries a floor per key: the
 * highest version it has seen there, from its own OK puts (their version), its own OK deletes
 * (their log index: afterwards the key is absent or has a larger version) and its own OK
 * LINEARIZABLE and SESSION reads that found a value. A SESSION get must then return
 *
 * <ul>
 *   <li>a version of at least the floor (larger than it, when the floor is a delete's index), or
 *   <li>not found, when the floor is 0 or a delete's index, or when some delete on the key that can
 *       account for the absence (OK with a larger index, or INFO) was invoked before the get
 *       completed.
 * </ul>
 *
 * A violation whose floor came from the process's own write breaks read-your-writes; from its own
 * read, monotonic reads. EVENTUAL reads neither raise nor need to respect the floor.
 */
public final class SessionChecker implements Checker {

  static final String NAME = "session reads";

  /** The highest position in a key's history a process has seen, and what showed it. */
  private record Floor(long version, boolean afterDelete, Operation source) {
    static final Floor NONE = new Floor(0, false, null);
  }

  @Override
  public CheckResult check(History history) {
    OperationFormat format = new OperationFormat(history.startNanos());
    List<String> violations = new ArrayList<>();
    int readsChecked = 0;
    for (Map.Entry<String, List<Operation>> key : history.byKey().entrySet()) {
      Map<Integer, List<Operation>> byProcess = new LinkedHashMap<>();
      for (Operation op : key.getValue()) {
        byProcess.computeIfAbsent(op.process(), p -> new ArrayList<>()).add(op);
      }
      for (List<Operation> processOps : byProcess.values()) {
        Floor floor = Floor.NONE;
        for (Operation op : processOps) {
          if (isOkRead(op, ReadConsistency.SESSION)) {
            readsChecked++;
            String broken = check(op, floor, key.getValue());
            if (broken != null) {
              violations.add(
                  "key \""
                      + key.getKey()
                      + "\", process "
                      + op.process()
                      + ": "
                      + broken
                      + ":\n    "
                      + format.describe(op)
                      + "\n    after "
                      + format.describe(floor.source()));
            }
          }
          floor = raise(floor, op);
        }
      }
    }
    StringBuilder explanation = new StringBuilder();
    explanation
        .append(readsChecked)
        .append(" SESSION reads checked: ")
        .append(
            violations.isEmpty()
                ? "read-your-writes and monotonic reads hold"
                : violations.size() + " violations");
    violations.forEach(v -> explanation.append('\n').append(v));
    return new CheckResult(
        NAME, violations.isEmpty() ? Verdict.VALID : Verdict.INVALID, explanation.toString());
  }

  /** What the read breaks, or null if it respects the floor. */
  private static String check(Operation read, Floor floor, List<Operation> keyOperations) {
    if (floor.source() == null) {
      return null;
    }
    OpResult.GetResult result = read.getResult();
    boolean respected;
    if (result.found()) {
      respected =
          floor.afterDelete()
              ? result.version() > floor.version()
              : result.version() >= floor.version();
    } else {
      respected =
          floor.afterDelete() || aDeleteCouldExplainAbsence(floor.version(), read, keyOperations);
    }
    if (respected) {
      return null;
    }
    return floor.source().op().kind().isWrite()
        ? "read-your-writes broken (floor " + floor.version() + ")"
        : "monotonic reads broken (floor " + floor.version() + ")";
  }

  private static boolean aDeleteCouldExplainAbsence(
      long floor, Operation read, List<Operation> keyOperations) {
    for (Operation op : keyOperations) {
      if (!op.op().kind().isDelete() || op.invokeNanos() > read.completeNanos()) {
        continue;
      }
      if (op.isInfo() || op.isOk() && ((OpResult.DeleteResult) op.result()).index() > floor) {
        return true;
      }
    }
    return false;
  }

  private static Floor raise(Floor floor, Operation op) {
    if (!op.isOk()) {
      return floor;
    }
    OpResult result = op.result();
    if (result instanceof OpResult.PutResult put) {
      return higher(floor, new Floor(put.version(), false, op));
    }
    if (result instanceof OpResult.DeleteResult delete) {
      return higher(floor, new Floor(delete.index(), true, op));
    }
    OpResult.GetResult get = (OpResult.GetResult) result;
    boolean countsForSession = op.op().consistency() != ReadConsistency.EVENTUAL;
    return countsForSession && get.found()
        ? higher(floor, new Floor(get.version(), false, op))
        : floor;
  }

  private static Floor higher(Floor current, Floor candidate) {
    return candidate.version() > current.version() ? candidate : current;
  }

  private static boolean isOkRead(Operation op, ReadConsistency consistency) {
    return op.isOk() && op.op().consistency() == consistency;
  }
}

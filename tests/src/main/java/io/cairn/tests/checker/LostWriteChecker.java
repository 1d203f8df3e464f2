package io.cairn.tests.checker;

import io.cairn.tests.history.History;
import io.cairn.tests.history.OpResult;
import io.cairn.tests.history.Operation;
import io.cairn.tests.history.Outcome;
import io.cairn.tests.history.ReadConsistency;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds acknowledged writes that the final state lost.
 *
 * <p>The harness reads every key once more with LINEARIZABLE consistency after healing the cluster;
 * the last such read of a key (by invocation) is its final read. An OK write {@code w} that
 * completed before the final read began is lost when the final read shows
 *
 * <ul>
 *   <li>a value written by a put that completed before {@code w} was even invoked: that put's state
 *       cannot follow {@code w}, so {@code w}'s effect vanished; or
 *   <li>no value, when {@code w} is a put and no delete (OK that removed something, or INFO) could
 *       have taken effect after {@code w}.
 * </ul>
 *
 * Real-time reasoning only: this is narrower than linearizability but names the lost write
 * directly, and it does not depend on the linearizability search finishing.
 */
public final class LostWriteChecker implements Checker {

  static final String NAME = "lost writes";

  @Override
  public CheckResult check(History history) {
    OperationFormat format = new OperationFormat(history.startNanos());
    List<String> lost = new ArrayList<>();
    int keysChecked = 0;
    int writesChecked = 0;
    List<String> keysWithoutFinalRead = new ArrayList<>();
    for (Map.Entry<String, List<Operation>> key : history.byKey().entrySet()) {
      List<Operation> operations = key.getValue();
      Operation finalRead = finalRead(operations);
      boolean acknowledgedWrites =
          operations.stream().anyMatch(op -> op.isOk() && op.op().kind().isWrite());
      if (finalRead == null) {
        if (acknowledgedWrites) {
          keysWithoutFinalRead.add(key.getKey());
        }
        continue;
      }
      keysChecked++;
      Map<String, Operation> writerByValue = new HashMap<>();
      for (Operation op : operations) {
        if (op.op().kind().isPut() && op.outcome() != Outcome.FAIL) {
          writerByValue.putIfAbsent(op.op().value(), op);
        }
      }
      OpResult.GetResult seen = finalRead.getResult();
      Operation shownWriter = seen.found() ? writerByValue.get(seen.value()) : null;
      for (Operation write : operations) {
        if (!write.isOk() || !write.op().kind().isWrite() || !write.precedes(finalRead)) {
          continue;
        }
        writesChecked++;
        if (seen.found()) {
          if (shownWriter != null && shownWriter != write && shownWriter.precedes(write)) {
            lost.add(
                "key \""
                    + key.getKey()
                    + "\": acknowledged "
                    + format.describe(write)
                    + "\n    is lost: the final read "
                    + format.describe(finalRead)
                    + "\n    shows the state of "
                    + format.describe(shownWriter)
                    + "\n    which completed before the lost write was invoked");
          }
        } else if (write.op().kind().isPut() && !deleteCouldFollow(write, finalRead, operations)) {
          lost.add(
              "key \""
                  + key.getKey()
                  + "\": acknowledged "
                  + format.describe(write)
                  + "\n    is lost: the final read "
                  + format.describe(finalRead)
                  + "\n    finds no value, and no delete could have taken effect after the write");
        }
      }
    }
    StringBuilder explanation = new StringBuilder();
    explanation
        .append(writesChecked)
        .append(" acknowledged writes on ")
        .append(keysChecked)
        .append(" keys checked against their final read: ")
        .append(lost.isEmpty() ? "none lost" : lost.size() + " lost");
    lost.forEach(l -> explanation.append('\n').append(l));
    if (!keysWithoutFinalRead.isEmpty()) {
      explanation
          .append("\nnote: ")
          .append(keysWithoutFinalRead.size())
          .append(
              " keys with acknowledged writes have no final LINEARIZABLE read and were not checked: ")
          .append(
              String.join(
                  ", ", keysWithoutFinalRead.subList(0, Math.min(10, keysWithoutFinalRead.size()))))
          .append(keysWithoutFinalRead.size() > 10 ? ", ..." : "");
    }
    return new CheckResult(
        NAME, lost.isEmpty() ? Verdict.VALID : Verdict.INVALID, explanation.toString());
  }

  private static Operation finalRead(List<Operation> operations) {
    Operation last = null;
    for (Operation op : operations) {
      if (op.isOk() && op.op().consistency() == ReadConsistency.LINEARIZABLE) {
        last = op; // operations are in invocation order
      }
    }
    return last;
  }

  /**
   * A delete that removed something (or may have) and may have taken effect after {@code write}.
   */
  private static boolean deleteCouldFollow(
      Operation write, Operation finalRead, List<Operation> operations) {
    for (Operation op : operations) {
      if (!op.op().kind().isDelete()
          || op.effectDeadlineNanos() <= write.invokeNanos()
          || op.invokeNanos() > finalRead.completeNanos()) {
        continue;
      }
      if (op.isInfo() || op.isOk() && ((OpResult.DeleteResult) op.result()).existed()) {
        return true;
      }
    }
    return false;
  }
}

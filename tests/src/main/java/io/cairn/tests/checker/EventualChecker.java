package io.cairn.tests.checker;

import io.cairn.tests.history.History;
import io.cairn.tests.history.Operation;
import io.cairn.tests.history.Outcome;
import io.cairn.tests.history.ReadConsistency;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks the weakest read promise: an EVENTUAL or SESSION get returns not-found or a value that a
 * put to that key (OK or INFO, so possibly applied) wrote, invoked no later than the get completed.
 * A value out of thin air, from a refused put, or from a put not yet invoked is a violation.
 * (Versions of such values are checked by {@link VersionConsistency}.)
 */
public final class EventualChecker implements Checker {

  static final String NAME = "eventual reads";

  @Override
  public CheckResult check(History history) {
    OperationFormat format = new OperationFormat(history.startNanos());
    List<String> violations = new ArrayList<>();
    int readsChecked = 0;
    for (Map.Entry<String, List<Operation>> key : history.byKey().entrySet()) {
      Map<String, List<Operation>> putsByValue = new HashMap<>();
      for (Operation op : key.getValue()) {
        if (op.op().kind().isPut()) {
          putsByValue.computeIfAbsent(op.op().value(), v -> new ArrayList<>()).add(op);
        }
      }
      for (Operation read : key.getValue()) {
        if (!read.isOk() || !isWeakRead(read)) {
          continue;
        }
        readsChecked++;
        if (!read.getResult().found()) {
          continue;
        }
        List<Operation> puts = putsByValue.getOrDefault(read.getResult().value(), List.of());
        boolean explained =
            puts.stream()
                .anyMatch(
                    put ->
                        put.outcome() != Outcome.FAIL && put.invokeNanos() <= read.completeNanos());
        if (!explained) {
          StringBuilder why =
              new StringBuilder("key \"" + key.getKey() + "\": " + format.describe(read));
          if (puts.isEmpty()) {
            why.append("\n    returns a value no put wrote");
          } else {
            why.append(
                "\n    returns a value that no possibly-applied put had written by then; its puts:");
            puts.forEach(put -> why.append("\n      ").append(format.describe(put)));
          }
          violations.add(why.toString());
        }
      }
    }
    StringBuilder explanation = new StringBuilder();
    explanation
        .append(readsChecked)
        .append(" SESSION/EVENTUAL reads checked: ")
        .append(
            violations.isEmpty()
                ? "every value read was written"
                : violations.size() + " read unwritten values");
    violations.forEach(v -> explanation.append('\n').append(v));
    return new CheckResult(
        NAME, violations.isEmpty() ? Verdict.VALID : Verdict.INVALID, explanation.toString());
  }

  private static boolean isWeakRead(Operation operation) {
    ReadConsistency consistency = operation.op().consistency();
    return consistency == ReadConsistency.EVENTUAL || consistency == ReadConsistency.SESSION;
  }
}

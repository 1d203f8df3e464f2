package io.cairn.tests.jepsen;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tests.history.Failure;
import io.cairn.tests.history.History;
import io.cairn.tests.history.Op;
import io.cairn.tests.history.OpResult;
import io.cairn.tests.history.Operation;
import io.cairn.tests.history.ReadConsistency;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ServiceContinuityTest {

  private static final Operation PUT_OK =
      Operation.ok(1, 1, Op.put("k", "v"), 0, 10, new OpResult.PutResult(1));
  private static final Operation CAS_MISMATCH =
      Operation.fail(2, 2, Op.putCas("k", "w", 7), 0, 10, new Failure.VersionMismatch(1, true));

  @Test
  void onlyRunsThatJustChangeShapeAreHeldToIt() {
    assertThat(ServiceContinuity.appliesTo(Set.of(Fault.ADD_NODE, Fault.REMOVE_NODE))).isTrue();
    assertThat(ServiceContinuity.appliesTo(Set.of(Fault.ADD_NODE, Fault.KILL_LEADER))).isFalse();
    assertThat(ServiceContinuity.appliesTo(Set.of(Fault.KILL_MID_MOVE))).isFalse();
    assertThat(ServiceContinuity.appliesTo(Set.of())).isFalse();
  }

  @Test
  void successesAndCompareAndSetAnswersPass() {
    assertThat(ServiceContinuity.violations(new History(List.of(PUT_OK, CAS_MISMATCH)), 5))
        .isEmpty();
  }

  @Test
  void aTimedOutOrRejectedOperationOfASmartClientFails() {
    Operation timedOut =
        Operation.info(3, 4, Op.get("k", ReadConsistency.LINEARIZABLE), 0, 10, "deadline");
    Operation rejected =
        Operation.fail(4, 1, Op.delete("k"), 0, 10, new Failure.Rejected("UNAVAILABLE"));

    assertThat(ServiceContinuity.violations(new History(List.of(PUT_OK, timedOut, rejected)), 5))
        .hasValueSatisfying(v -> assertThat(v).startsWith("2 operation(s)").contains("deadline"));
  }

  @Test
  void processesThatSendThroughOneNodeAreNotHeldToIt() {
    Operation pinnedTimeout =
        Operation.info(5, 6, Op.get("k", ReadConsistency.LINEARIZABLE), 0, 10, "node gone");

    assertThat(ServiceContinuity.violations(new History(List.of(PUT_OK, pinnedTimeout)), 5))
        .isEmpty();
  }
}

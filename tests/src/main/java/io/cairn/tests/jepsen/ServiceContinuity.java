package io.cairn.tests.jepsen;

import io.cairn.tests.history.Failure;
import io.cairn.tests.history.History;
import io.cairn.tests.history.Operation;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * While a cluster only changes shape - nodes join, drain, leave - and nothing fails, every client
 * operation must succeed within its deadline (the smart client's retries included): a replica move
 * may slow a request, never fail it. The check for runs whose faults are all of that kind ({@link
 * #appliesTo}); a compare-and-set that found another version is an answer, not a failure.
 */
final class ServiceContinuity {

  private static final Set<Fault> SHAPE_ONLY =
      Set.of(Fault.ADD_NODE, Fault.REMOVE_NODE, Fault.DRAIN_NODE);

  private ServiceContinuity() {}

  /** Whether the run injected nothing but shape changes that keep every node running. */
  static boolean appliesTo(Set<Fault> faults) {
    return !faults.isEmpty() && SHAPE_ONLY.containsAll(faults);
  }

  /**
   * What went wrong for processes 1..{@code lastRoutedProcess} (the smart clients), or empty when
   * each of their operations succeeded.
   */
  static Optional<String> violations(History history, int lastRoutedProcess) {
    List<Operation> failed =
        history.operations().stream()
            .filter(op -> op.process() <= lastRoutedProcess)
            .filter(op -> !op.isOk() && !(op.failure() instanceof Failure.VersionMismatch))
            .toList();
    if (failed.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        failed.size()
            + " operation(s) of the smart clients failed while the cluster only changed shape;"
            + " first: "
            + failed.get(0));
  }
}

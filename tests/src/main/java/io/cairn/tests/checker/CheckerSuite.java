package io.cairn.tests.checker;

import io.cairn.tests.history.History;
import java.util.List;
import java.util.function.LongSupplier;

/** Runs a fixed list of checkers over a history, in order, on the calling thread. */
public final class CheckerSuite {

  private final List<Checker> checkers;

  public CheckerSuite(List<Checker> checkers) {
    this.checkers = List.copyOf(checkers);
  }

  /** Every checker of this package: linearizability, lost writes, session and eventual reads. */
  public static CheckerSuite standard(SearchLimits limits, LongSupplier nanoClock) {
    return new CheckerSuite(
        List.of(
            new LinearizabilityChecker(limits, nanoClock),
            new LostWriteChecker(),
            new SessionChecker(),
            new EventualChecker()));
  }

  public static CheckerSuite standard() {
    return standard(SearchLimits.DEFAULT, System::nanoTime);
  }

  public CheckReport check(History history) {
    return new CheckReport(checkers.stream().map(checker -> checker.check(history)).toList());
  }
}

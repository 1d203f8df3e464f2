package io.cairn.tests.checker;

import java.util.List;

/** The results of several checkers on one history; its verdict is the worst of theirs. */
public record CheckReport(List<CheckResult> results) {

  public CheckReport {
    results = List.copyOf(results);
  }

  public Verdict verdict() {
    Verdict verdict = Verdict.VALID;
    for (CheckResult result : results) {
      verdict = verdict.and(result.verdict());
    }
    return verdict;
  }

  public boolean isValid() {
    return verdict() == Verdict.VALID;
  }

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder("verdict: ").append(verdict());
    results.forEach(result -> out.append('\n').append(result));
    return out.toString();
  }
}

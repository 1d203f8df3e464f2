package io.cairn.tests.checker;

import java.util.Objects;

/**
 * One checker's verdict on a history with an explanation a person can act on: for a violation, the
 * operations involved with their times and outcomes.
 */
public record CheckResult(String checker, Verdict verdict, String explanation) {

  public CheckResult {
    Objects.requireNonNull(checker, "checker");
    Objects.requireNonNull(verdict, "verdict");
    Objects.requireNonNull(explanation, "explanation");
  }

  public boolean isValid() {
    return verdict == Verdict.VALID;
  }

  @Override
  public String toString() {
    return checker + ": " + verdict + "\n" + explanation.indent(2).stripTrailing();
  }
}

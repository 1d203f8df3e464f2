package io.cairn.tests.checker;

import static io.cairn.tests.history.ReadConsistency.EVENTUAL;
import static io.cairn.tests.history.ReadConsistency.SESSION;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EventualCheckerTest {

  private final EventualChecker checker = new EventualChecker();

  private CheckResult check(HistoryScript script) {
    return checker.check(script.history());
  }

  @Test
  void staleAndMissingValuesAreFineIfTheyWereWritten() {
    HistoryScript h =
        new HistoryScript()
            .putOk(1, "k", "a", 0, 1, 1)
            .putInfo(1, "k", "b", 2, 3)
            .putOk(1, "k", "c", 4, 5, 3)
            .read(EVENTUAL, 2, "k", 6, 7, "a", 1)
            .read(EVENTUAL, 2, "k", 8, 9, null, 0)
            .read(SESSION, 3, "k", 8, 9, "b", 2);

    CheckResult result = check(h);

    assertThat(result.verdict()).isEqualTo(Verdict.VALID);
    assertThat(result.explanation()).startsWith("3 SESSION/EVENTUAL reads checked");
  }

  @Test
  void anEventualReadOfANeverWrittenValueIsInvalid() {
    HistoryScript h =
        new HistoryScript().putOk(1, "k", "a", 0, 1, 1).read(EVENTUAL, 2, "k", 2, 3, "ghost", 1);

    CheckResult result = check(h);

    assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
    assertThat(result.explanation())
        .contains("GET(k, EVENTUAL)")
        .contains("returns a value no put wrote");
  }

  @Test
  void aValueWrittenToAnotherKeyDoesNotCount() {
    HistoryScript h =
        new HistoryScript().putOk(1, "other", "a", 0, 1, 1).read(SESSION, 2, "k", 2, 3, "a", 1);

    assertThat(check(h).verdict()).isEqualTo(Verdict.INVALID);
  }

  @Test
  void aRejectedPutsValueMustNotBeRead() {
    HistoryScript h =
        new HistoryScript().putRejected(1, "k", "a", 0, 1).read(EVENTUAL, 2, "k", 2, 3, "a", 1);

    CheckResult result = check(h);

    assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
    assertThat(result.explanation()).contains("its puts:").contains("FAIL REJECTED");
  }

  @Test
  void aValueCannotBeReadBeforeItsPutWasInvoked() {
    HistoryScript early =
        new HistoryScript().read(EVENTUAL, 2, "k", 0, 1, "a", 1).putOk(1, "k", "a", 2, 3, 1);
    HistoryScript concurrent =
        new HistoryScript().read(EVENTUAL, 2, "k", 0, 2, "a", 1).putOk(1, "k", "a", 1, 3, 1);

    assertThat(check(early).verdict()).isEqualTo(Verdict.INVALID);
    assertThat(check(concurrent).verdict()).isEqualTo(Verdict.VALID);
  }
}

package io.cairn.tests.checker;

import static io.cairn.tests.history.ReadConsistency.EVENTUAL;
import static io.cairn.tests.history.ReadConsistency.SESSION;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SessionCheckerTest {

  private final SessionChecker checker = new SessionChecker();

  private CheckResult check(HistoryScript script) {
    return checker.check(script.history());
  }

  @Test
  void aSessionReadsItsOwnWritesAndNeverGoesBack() {
    HistoryScript h =
        new HistoryScript()
            .read(SESSION, 1, "k", 0, 1, null, 0)
            .putOk(1, "k", "a", 2, 3, 4)
            .read(SESSION, 1, "k", 4, 5, "a", 4)
            .putOk(2, "k", "b", 5, 6, 7)
            .read(SESSION, 1, "k", 7, 8, "b", 7)
            .read(SESSION, 1, "k", 9, 10, "b", 7)
            .deleteOk(1, "k", 11, 12, true, 9)
            .read(SESSION, 1, "k", 13, 14, null, 0)
            .putOk(2, "k", "c", 15, 16, 12)
            .read(SESSION, 1, "k", 17, 18, "c", 12);

    CheckResult result = check(h);

    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.VALID);
    assertThat(result.explanation()).startsWith("6 SESSION reads checked");
  }

  @Test
  void aSessionReadMustSeeItsOwnPut() {
    HistoryScript older =
        new HistoryScript()
            .putOk(2, "k", "a", 0, 1, 3)
            .putOk(1, "k", "b", 2, 3, 5)
            .read(SESSION, 1, "k", 4, 5, "a", 3);
    HistoryScript missing =
        new HistoryScript().putOk(1, "k", "b", 2, 3, 5).read(SESSION, 1, "k", 4, 5, null, 0);

    CheckResult result = check(older);

    assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
    assertThat(result.explanation())
        .contains("key \"k\", process 1: read-your-writes broken (floor 5)")
        .contains("after #2 p1 PUT(k, b)");
    assertThat(check(missing).verdict()).isEqualTo(Verdict.INVALID);
  }

  @Test
  void otherProcessesWritesAreNotOwed() {
    HistoryScript h =
        new HistoryScript().putOk(2, "k", "a", 0, 1, 3).read(SESSION, 1, "k", 4, 5, null, 0);

    assertThat(check(h).verdict()).isEqualTo(Verdict.VALID);
  }

  @Test
  void afterItsOwnDeleteASessionSeesAbsenceOrANewerVersion() {
    HistoryScript absent =
        new HistoryScript()
            .putOk(1, "k", "a", 0, 1, 3)
            .deleteOk(1, "k", 2, 3, true, 6)
            .read(SESSION, 1, "k", 4, 5, null, 0);
    HistoryScript newer =
        new HistoryScript()
            .putOk(1, "k", "a", 0, 1, 3)
            .deleteOk(1, "k", 2, 3, true, 6)
            .putOk(2, "k", "b", 3, 4, 8)
            .read(SESSION, 1, "k", 5, 6, "b", 8);
    HistoryScript resurrected =
        new HistoryScript()
            .putOk(1, "k", "a", 0, 1, 3)
            .deleteOk(1, "k", 2, 3, true, 6)
            .read(SESSION, 1, "k", 4, 5, "a", 3);

    assertThat(check(absent).verdict()).isEqualTo(Verdict.VALID);
    assertThat(check(newer).verdict()).isEqualTo(Verdict.VALID);
    CheckResult result = check(resurrected);
    assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
    assertThat(result.explanation()).contains("read-your-writes broken (floor 6)");
  }

  @Test
  void sessionReadsAreMonotonic() {
    HistoryScript h =
        new HistoryScript()
            .putOk(2, "k", "a", 0, 1, 3)
            .putOk(2, "k", "b", 2, 3, 5)
            .read(SESSION, 1, "k", 4, 5, "b", 5)
            .read(SESSION, 1, "k", 6, 7, "a", 3);

    CheckResult result = check(h);

    assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
    assertThat(result.explanation()).contains("monotonic reads broken (floor 5)");
  }

  @Test
  void aLinearizableReadRaisesTheSessionFloor() {
    HistoryScript h =
        new HistoryScript()
            .putOk(2, "k", "a", 0, 1, 3)
            .putOk(2, "k", "b", 2, 3, 5)
            .getOk(1, "k", 4, 5, "b", 5)
            .read(SESSION, 1, "k", 6, 7, "a", 3);

    assertThat(check(h).verdict()).isEqualTo(Verdict.INVALID);
  }

  @Test
  void aValueMayDisappearOnlyIfADeleteCanExplainIt() {
    HistoryScript unexplained =
        new HistoryScript()
            .putOk(2, "k", "a", 0, 1, 3)
            .read(SESSION, 1, "k", 4, 5, "a", 3)
            .read(SESSION, 1, "k", 6, 7, null, 0);
    HistoryScript explained =
        new HistoryScript()
            .putOk(2, "k", "a", 0, 1, 3)
            .read(SESSION, 1, "k", 4, 5, "a", 3)
            .deleteOk(3, "k", 5, 8, true, 4)
            .read(SESSION, 1, "k", 6, 7, null, 0);
    HistoryScript olderDelete =
        new HistoryScript()
            .deleteOk(3, "k", 0, 1, false, 2)
            .putOk(2, "k", "a", 1, 2, 3)
            .read(SESSION, 1, "k", 4, 5, "a", 3)
            .read(SESSION, 1, "k", 6, 7, null, 0);

    assertThat(check(unexplained).verdict()).isEqualTo(Verdict.INVALID);
    assertThat(check(explained).verdict()).isEqualTo(Verdict.VALID);
    assertThat(check(olderDelete).verdict()).isEqualTo(Verdict.INVALID);
  }

  @Test
  void eventualReadsAreNeitherCheckedNorRaiseTheFloor() {
    HistoryScript h =
        new HistoryScript()
            .putOk(2, "k", "a", 0, 1, 3)
            .putOk(2, "k", "b", 2, 3, 5)
            .read(EVENTUAL, 1, "k", 4, 5, "b", 5)
            .read(SESSION, 1, "k", 6, 7, "a", 3)
            .putOk(1, "k", "c", 8, 9, 7)
            .read(EVENTUAL, 1, "k", 10, 11, "b", 5);

    assertThat(check(h).verdict()).isEqualTo(Verdict.VALID);
  }
}

package io.cairn.tests.checker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LostWriteCheckerTest {

  private final LostWriteChecker checker = new LostWriteChecker();

  private CheckResult check(HistoryScript script) {
    return checker.check(script.history());
  }

  @Test
  void theLastAcknowledgedWriteIsVisibleInTheFinalRead() {
    HistoryScript h =
        new HistoryScript()
            .putOk(1, "k", "a", 0, 1, 1)
            .putOk(2, "k", "b", 2, 3, 2)
            .getOk(0, "k", 10, 11, "b", 2);

    CheckResult result = check(h);

    assertThat(result.verdict()).isEqualTo(Verdict.VALID);
    assertThat(result.explanation())
        .startsWith("2 acknowledged writes on 1 keys checked against their final read: none lost");
  }

  @Test
  void anAcknowledgedWriteReplacedByAnOlderStateIsLost() {
    HistoryScript h =
        new HistoryScript()
            .putOk(1, "k", "a", 0, 1, 1)
            .putOk(2, "k", "b", 2, 3, 2)
            .getOk(0, "k", 10, 11, "a", 1);

    CheckResult result = check(h);

    assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
    assertThat(result.explanation())
        .contains("key \"k\": acknowledged #2 p2 PUT(k, b)")
        .contains("shows the state of #1 p1 PUT(k, a)");
  }

  @Test
  void aWriteConcurrentWithTheSurvivingOneIsNotLost() {
    HistoryScript h =
        new HistoryScript()
            .putOk(1, "k", "a", 0, 5, 2)
            .putOk(2, "k", "b", 1, 3, 1)
            .getOk(0, "k", 10, 11, "a", 2);

    assertThat(check(h).verdict()).isEqualTo(Verdict.VALID);
  }

  @Test
  void anAcknowledgedPutIsLostIfTheKeyVanishesWithoutADelete() {
    HistoryScript h = new HistoryScript().putOk(1, "k", "a", 0, 1, 1).getMissing(0, "k", 10, 11);

    CheckResult result = check(h);

    assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
    assertThat(result.explanation()).contains("no delete could have taken effect after the write");
  }

  @Test
  void aDeleteThatMayHaveFollowedExplainsAnAbsentKey() {
    HistoryScript okDelete =
        new HistoryScript()
            .putOk(1, "k", "a", 0, 5, 1)
            .deleteOk(2, "k", 1, 6, true, 2)
            .getMissing(0, "k", 10, 11);
    HistoryScript infoDelete =
        new HistoryScript()
            .putOk(1, "k", "a", 3, 5, 1)
            .deleteInfo(2, "k", 0, 1)
            .getMissing(0, "k", 10, 11);

    assertThat(check(okDelete).verdict()).isEqualTo(Verdict.VALID);
    assertThat(check(infoDelete).verdict()).isEqualTo(Verdict.VALID);
  }

  @Test
  void aDeleteThatCompletedBeforeThePutCannotExplainAbsence() {
    HistoryScript h =
        new HistoryScript()
            .deleteOk(2, "k", 0, 1, true, 1)
            .putOk(1, "k", "a", 2, 3, 2)
            .getMissing(0, "k", 10, 11);

    assertThat(check(h).verdict()).isEqualTo(Verdict.INVALID);
  }

  @Test
  void anAcknowledgedDeleteIsLostIfAnEarlierValueComesBack() {
    HistoryScript h =
        new HistoryScript()
            .putOk(1, "k", "a", 0, 1, 1)
            .deleteOk(2, "k", 2, 3, true, 2)
            .getOk(0, "k", 10, 11, "a", 1);

    CheckResult result = check(h);

    assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
    assertThat(result.explanation()).contains("acknowledged #2 p2 DELETE(k)");
  }

  @Test
  void writesAfterTheFinalReadBeganAreNotJudged() {
    HistoryScript h =
        new HistoryScript()
            .putOk(1, "k", "a", 0, 1, 1)
            .putOk(2, "k", "b", 9, 12, 2)
            .getOk(0, "k", 10, 11, "a", 1);

    assertThat(check(h).verdict()).isEqualTo(Verdict.VALID);
  }

  @Test
  void keysWithoutAFinalReadAreNamed() {
    HistoryScript h = new HistoryScript().putOk(1, "k", "a", 0, 1, 1);

    CheckResult result = check(h);

    assertThat(result.verdict()).isEqualTo(Verdict.VALID);
    assertThat(result.explanation())
        .contains("1 keys with acknowledged writes have no final LINEARIZABLE read");
  }
}

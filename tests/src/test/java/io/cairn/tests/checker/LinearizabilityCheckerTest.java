package io.cairn.tests.checker;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tests.history.History;
import io.cairn.tests.history.ReadConsistency;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class LinearizabilityCheckerTest {

  private final LinearizabilityChecker checker = new LinearizabilityChecker();

  private CheckResult check(HistoryScript script) {
    return checker.check(script.history());
  }

  @Test
  void aSequentialHistoryIsLinearizable() {
    HistoryScript h =
        new HistoryScript()
            .getMissing(1, "k", 0, 1)
            .putOk(1, "k", "a", 2, 3, 5)
            .getOk(2, "k", 4, 5, "a", 5)
            .casOk(1, "k", "b", 5, 6, 7, 8)
            .deleteOk(2, "k", 8, 9, true, 11)
            .getMissing(1, "k", 10, 11)
            .deleteOk(1, "k", 12, 13, false, 14);

    CheckResult result = check(h);

    assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.VALID);
    assertThat(result.explanation()).contains("1 keys, 7 operations to linearize");
  }

  @Test
  void anEmptyHistoryIsLinearizable() {
    assertThat(checker.check(new History(java.util.List.of())).verdict()).isEqualTo(Verdict.VALID);
  }

  @Nested
  class ConcurrentWrites {

    @Test
    void aReadAfterTwoConcurrentWritesSeesTheOneWithTheLaterVersion() {
      HistoryScript h =
          new HistoryScript()
              .putOk(1, "k", "a", 0, 10, 3)
              .putOk(2, "k", "b", 1, 11, 4)
              .getOk(3, "k", 12, 13, "b", 4);

      assertThat(check(h).verdict()).isEqualTo(Verdict.VALID);
    }

    @Test
    void eitherWriteMayBeAppliedLastIfTheVersionsSaySo() {
      HistoryScript h =
          new HistoryScript()
              .putOk(1, "k", "a", 0, 10, 4)
              .putOk(2, "k", "b", 1, 11, 3)
              .getOk(3, "k", 12, 13, "a", 4);

      assertThat(check(h).verdict()).isEqualTo(Verdict.VALID);
    }

    @Test
    void readsDuringTheWritesMaySeeTheStatesInBetween() {
      HistoryScript h =
          new HistoryScript()
              .putOk(1, "k", "a", 0, 10, 3)
              .putOk(2, "k", "b", 1, 11, 4)
              .getMissing(3, "k", 1, 2)
              .getOk(4, "k", 2, 5, "a", 3)
              .getOk(5, "k", 6, 9, "b", 4);

      assertThat(check(h).verdict()).isEqualTo(Verdict.VALID);
    }

    @Test
    void aReadAfterBothWritesCannotSeeTheOneAppliedFirst() {
      HistoryScript h =
          new HistoryScript()
              .putOk(1, "k", "a", 0, 10, 3)
              .putOk(2, "k", "b", 1, 11, 4)
              .getOk(3, "k", 12, 13, "a", 3);

      assertThat(check(h).verdict()).isEqualTo(Verdict.INVALID);
    }

    @Test
    void concurrentInfoWritesMayBeReadInEitherOrder() {
      HistoryScript first =
          new HistoryScript()
              .putInfo(1, "k", "a", 0, 10)
              .putInfo(2, "k", "b", 1, 11)
              .getOk(3, "k", 12, 13, "a", 3)
              .getOk(3, "k", 14, 15, "b", 4);
      HistoryScript second =
          new HistoryScript()
              .putInfo(1, "k", "a", 0, 10)
              .putInfo(2, "k", "b", 1, 11)
              .getOk(3, "k", 12, 13, "b", 3)
              .getOk(3, "k", 14, 15, "a", 4);

      assertThat(check(first).verdict()).isEqualTo(Verdict.VALID);
      assertThat(check(second).verdict()).isEqualTo(Verdict.VALID);
    }

    @Test
    void writesOrderedInRealTimeMustHaveIncreasingVersions() {
      HistoryScript h = new HistoryScript().putOk(1, "k", "a", 0, 1, 5).putOk(1, "k", "b", 2, 3, 4);

      CheckResult result = check(h);

      assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
    }
  }

  @Nested
  class StaleAndLostState {

    @Test
    void aStaleReadAfterAnAcknowledgedWriteIsNotLinearizable() {
      HistoryScript h =
          new HistoryScript()
              .putOk(1, "k", "a", 0, 1, 1)
              .putOk(1, "k", "b", 2, 3, 2)
              .getOk(2, "k", 4, 5, "a", 1);

      CheckResult result = check(h);

      assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
      assertThat(result.explanation())
          .contains("key \"k\": not linearizable")
          .contains(
              "longest linearizable prefix: 1 operations\n"
                  + "    #1 p1 PUT(k, a) invoked +0.000ms completed +1.000ms OK version=1  =>  a@1")
          .contains("state after the prefix: a@1")
          .contains(
              "its value must stay until these reads of it, so no write may follow yet:\n"
                  + "    #3 p2 GET(k, LINEARIZABLE) invoked +4.000ms completed +5.000ms OK found a version=1")
          .contains(
              "this one had to be before it completed:\n"
                  + "    #2 p1 PUT(k, b) invoked +2.000ms completed +3.000ms OK version=2");
    }

    @Test
    void aReadOfAMissingKeyAfterAnAcknowledgedWriteIsNotLinearizable() {
      HistoryScript h = new HistoryScript().putOk(1, "k", "a", 0, 1, 1).getMissing(2, "k", 4, 5);

      assertThat(check(h).verdict()).isEqualTo(Verdict.INVALID);
    }

    @Test
    void aLostWriteIsNotLinearizable() {
      HistoryScript h =
          new HistoryScript()
              .putOk(1, "k", "a", 0, 1, 1)
              .putOk(2, "k", "b", 2, 3, 2)
              .putOk(3, "k", "c", 4, 5, 3)
              .getOk(1, "k", 6, 7, "b", 2);

      assertThat(check(h).verdict()).isEqualTo(Verdict.INVALID);
    }

    @Test
    void aReadOfAValueNobodyWroteIsNotLinearizable() {
      HistoryScript h =
          new HistoryScript().putOk(1, "k", "a", 0, 1, 1).getOk(2, "k", 2, 3, "zzz", 7);

      assertThat(check(h).verdict()).isEqualTo(Verdict.INVALID);
    }

    @Test
    void aReadOfARejectedWriteIsNotLinearizable() {
      HistoryScript h =
          new HistoryScript().putRejected(1, "k", "a", 0, 1).getOk(2, "k", 2, 3, "a", 1);

      assertThat(check(h).verdict()).isEqualTo(Verdict.INVALID);
    }

    @Test
    void aDeleteThatClaimsTheKeyExistedNeedsAValue() {
      HistoryScript h = new HistoryScript().deleteOk(1, "k", 0, 1, true, 1);

      assertThat(check(h).verdict()).isEqualTo(Verdict.INVALID);
    }

    @Test
    void keysAreJudgedIndependently() {
      HistoryScript h =
          new HistoryScript()
              .putOk(1, "x", "a", 0, 1, 1)
              .putOk(1, "y", "b", 2, 3, 2)
              .getOk(2, "x", 4, 5, "a", 1)
              .getMissing(2, "z", 6, 7)
              .getMissing(2, "y", 8, 9);

      CheckResult result = check(h);

      assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
      assertThat(result.explanation())
          .contains("key \"y\": not linearizable")
          .doesNotContain("key \"x\"");
    }
  }

  @Nested
  class IndeterminateWrites {

    @Test
    void anInfoWriteThatAppliedMayBeSeenLater() {
      HistoryScript h =
          new HistoryScript()
              .putOk(1, "k", "a", 0, 1, 1)
              .putInfo(2, "k", "b", 2, 3)
              .getOk(1, "k", 10, 11, "a", 1)
              .getOk(1, "k", 20, 21, "b", 9);

      assertThat(check(h).verdict()).isEqualTo(Verdict.VALID);
    }

    @Test
    void anInfoWriteThatNeverAppliedIsNeverSeen() {
      HistoryScript h =
          new HistoryScript()
              .putOk(1, "k", "a", 0, 1, 1)
              .putInfo(2, "k", "b", 2, 3)
              .deleteInfo(3, "k", 4, 5)
              .getOk(1, "k", 10, 11, "a", 1)
              .getOk(1, "k", 20, 21, "a", 1);

      assertThat(check(h).verdict()).isEqualTo(Verdict.VALID);
    }

    @Test
    void anInfoWriteCannotTakeEffectBeforeItsInvocation() {
      HistoryScript h = new HistoryScript().getOk(1, "k", 0, 1, "b", 1).putInfo(2, "k", "b", 2, 3);

      assertThat(check(h).verdict()).isEqualTo(Verdict.INVALID);
    }

    @Test
    void anInfoWriteSeenOnceCannotDisappear() {
      HistoryScript h =
          new HistoryScript()
              .putOk(1, "k", "a", 0, 1, 1)
              .putInfo(2, "k", "b", 2, 3)
              .getOk(1, "k", 10, 11, "b", 2)
              .getOk(1, "k", 20, 21, "a", 1);

      CheckResult result = check(h);

      assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
      assertThat(result.explanation())
          .contains("INFO (DEADLINE_EXCEEDED; may take effect at any later time)");
    }

    @Test
    void aReadBindsTheVersionOfAnInfoWrite() {
      HistoryScript h =
          new HistoryScript()
              .putInfo(2, "k", "b", 0, 1)
              .getOk(1, "k", 10, 11, "b", 2)
              .getOk(1, "k", 20, 21, "b", 3);

      CheckResult result = check(h);

      assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
      assertThat(result.explanation())
          .contains("reported with version 2")
          .contains("but with version 3");
    }

    @Test
    void anInfoWriteVersionMustFollowTheVersionsBeforeIt() {
      HistoryScript h =
          new HistoryScript()
              .putOk(1, "k", "a", 0, 1, 5)
              .putInfo(2, "k", "b", 2, 3)
              .getOk(1, "k", 10, 11, "b", 4);

      assertThat(check(h).verdict()).isEqualTo(Verdict.INVALID);
    }

    @Test
    void anInfoReadImposesNothing() {
      HistoryScript h = new HistoryScript().putOk(1, "k", "a", 0, 1, 1).getInfo(2, "k", 2, 3);

      assertThat(check(h).verdict()).isEqualTo(Verdict.VALID);
    }
  }

  @Nested
  class CompareAndSet {

    @Test
    void casSucceedsOnTheCurrentVersionAndFailsOnAnOldOne() {
      HistoryScript h =
          new HistoryScript()
              .casOk(1, "k", "a", 0, 0, 1, 1)
              .casMismatch(2, "k", "x", 0, 2, 3, 1)
              .casOk(1, "k", "b", 1, 4, 5, 2)
              .casMismatch(2, "k", "y", 1, 6, 7, 2)
              .deleteCasMismatch(2, "k", 1, 8, 9, 2)
              .deleteCasOk(2, "k", 2, 10, 11, true, 3)
              .deleteCasOk(2, "k", 0, 12, 13, false, 4)
              .casMismatch(1, "k", "z", 2, 14, 15, 0);

      CheckResult result = check(h);

      assertThat(result.verdict()).as(result.explanation()).isEqualTo(Verdict.VALID);
    }

    @Test
    void casOnAnOldVersionCannotSucceed() {
      HistoryScript h =
          new HistoryScript()
              .putOk(1, "k", "a", 0, 1, 1)
              .putOk(1, "k", "b", 2, 3, 2)
              .casOk(2, "k", "c", 1, 4, 5, 3);

      assertThat(check(h).verdict()).isEqualTo(Verdict.INVALID);
    }

    @Test
    void afterDeleteAndRecreateTheOldVersionMustFail() {
      HistoryScript fails =
          new HistoryScript()
              .putOk(1, "k", "a", 0, 1, 1)
              .deleteOk(1, "k", 2, 3, true, 2)
              .casOk(1, "k", "b", 0, 4, 5, 3)
              .casMismatch(2, "k", "c", 1, 6, 7, 3);
      HistoryScript wronglySucceeds =
          new HistoryScript()
              .putOk(1, "k", "a", 0, 1, 1)
              .deleteOk(1, "k", 2, 3, true, 2)
              .casOk(1, "k", "b", 0, 4, 5, 3)
              .casOk(2, "k", "c", 1, 6, 7, 4);

      assertThat(check(fails).verdict()).isEqualTo(Verdict.VALID);
      assertThat(check(wronglySucceeds).verdict()).isEqualTo(Verdict.INVALID);
    }

    @Test
    void createIfAbsentFailsWhileTheKeyExists() {
      HistoryScript h =
          new HistoryScript().putOk(1, "k", "a", 0, 1, 1).casOk(2, "k", "b", 0, 2, 3, 2);

      assertThat(check(h).verdict()).isEqualTo(Verdict.INVALID);
    }

    @Test
    void aMismatchReportingAVersionTheKeyNeverHadIsNotLinearizable() {
      HistoryScript h =
          new HistoryScript().putOk(1, "k", "a", 0, 1, 1).casMismatch(2, "k", "b", 3, 2, 3, 5);

      CheckResult result = check(h);

      assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
      assertThat(result.explanation()).contains("FAIL VERSION_MISMATCH current=5");
    }

    @Test
    void aMismatchReportingTheExpectedVersionIsNotLinearizable() {
      HistoryScript h =
          new HistoryScript().putOk(1, "k", "a", 0, 1, 1).casMismatch(2, "k", "b", 1, 2, 3, 1);

      assertThat(check(h).verdict()).isEqualTo(Verdict.INVALID);
    }

    @Test
    void aMismatchReportingAnAbsentKeyThatExistsIsNotLinearizable() {
      HistoryScript h =
          new HistoryScript().putOk(1, "k", "a", 0, 1, 1).casMismatch(2, "k", "b", 1, 2, 3, 0);

      assertThat(check(h).verdict()).isEqualTo(Verdict.INVALID);
    }

    @Test
    void aMismatchMayBindTheVersionOfAnInfoWrite() {
      HistoryScript h =
          new HistoryScript()
              .putInfo(1, "k", "a", 0, 1)
              .casMismatch(2, "k", "b", 3, 2, 3, 4)
              .casOk(2, "k", "c", 4, 4, 5, 6)
              .getOk(3, "k", 6, 7, "c", 6);

      assertThat(check(h).verdict()).isEqualTo(Verdict.VALID);
    }

    @Test
    void anInfoCasAppliesOnlyWhereItsConditionHolds() {
      HistoryScript applied =
          new HistoryScript()
              .putOk(1, "k", "a", 0, 1, 1)
              .casInfo(2, "k", "b", 1, 2, 3)
              .getOk(1, "k", 10, 11, "b", 4);
      HistoryScript impossible =
          new HistoryScript()
              .putOk(1, "k", "a", 0, 1, 1)
              .casInfo(2, "k", "b", 7, 2, 3)
              .getOk(1, "k", 10, 11, "b", 8);

      assertThat(check(applied).verdict()).isEqualTo(Verdict.VALID);
      assertThat(check(impossible).verdict()).isEqualTo(Verdict.INVALID);
    }
  }

  @Nested
  class Scope {

    @Test
    void sessionAndEventualReadsAreNotLinearizabilityObligations() {
      HistoryScript h =
          new HistoryScript()
              .putOk(1, "k", "a", 0, 1, 1)
              .putOk(1, "k", "b", 2, 3, 2)
              .read(ReadConsistency.SESSION, 2, "k", 4, 5, "a", 1)
              .read(ReadConsistency.EVENTUAL, 3, "k", 4, 5, null, 0);

      assertThat(check(h).verdict()).isEqualTo(Verdict.VALID);
    }

    @Test
    void everyObservationOfAValueMustReportTheSameVersion() {
      HistoryScript h =
          new HistoryScript()
              .putOk(1, "k", "a", 0, 1, 1)
              .read(ReadConsistency.EVENTUAL, 3, "k", 4, 5, "a", 2);

      CheckResult result = check(h);

      assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
      assertThat(result.explanation()).contains("value a is reported with version 1");
    }

    @Test
    void twoWritesCannotShareAVersion() {
      HistoryScript h =
          new HistoryScript().putOk(1, "k", "a", 0, 10, 3).deleteOk(2, "k", 1, 11, true, 3);

      CheckResult result = check(h);

      assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
      assertThat(result.explanation()).contains("version 3 belongs to value a");
    }

    @Test
    void aValueWrittenTwiceIsNoted() {
      HistoryScript h = new HistoryScript().putOk(1, "k", "a", 0, 1, 1).putOk(1, "k", "a", 2, 3, 2);

      CheckResult result = check(h);

      assertThat(result.verdict()).isEqualTo(Verdict.VALID);
      assertThat(result.explanation()).contains("note: key \"k\": value a is written by both");
    }
  }

  @Nested
  class Limits {

    /**
     * Ten INFO puts, each read once by ten concurrent reads, then a read of a value nobody wrote:
     * the search must try every increasing subset of the puts before it can give up.
     */
    private final HistoryScript manyConcurrentWrites = new HistoryScript();

    Limits() {
      for (int p = 0; p < 10; p++) {
        manyConcurrentWrites.putInfo(p, "k", "v" + p, p, 50 + p);
      }
      for (int p = 0; p < 10; p++) {
        manyConcurrentWrites.getOk(20 + p, "k", 100 + p, 200, "v" + p, 1 + p);
      }
      manyConcurrentWrites.getOk(40, "k", 300, 301, "nobody", 20);
    }

    @Test
    void aSearchThatHitsTheStateLimitIsUnknownNotValid() {
      LinearizabilityChecker small =
          new LinearizabilityChecker(new SearchLimits(5, Duration.ofMinutes(1)), System::nanoTime);

      CheckResult result = small.check(manyConcurrentWrites.history());

      assertThat(result.verdict()).isEqualTo(Verdict.UNKNOWN);
      assertThat(result.explanation()).contains("state limit of 5 per key");
    }

    @Test
    void aSearchThatHitsTheTimeLimitIsUnknownNotValid() {
      AtomicLong clock = new AtomicLong();
      LinearizabilityChecker slow =
          new LinearizabilityChecker(
              new SearchLimits(1_000_000, Duration.ofSeconds(1)),
              () -> clock.addAndGet(Duration.ofSeconds(10).toNanos()));

      CheckResult result = slow.check(manyConcurrentWrites.history());

      assertThat(result.verdict()).isEqualTo(Verdict.UNKNOWN);
      assertThat(result.explanation()).contains("time limit of PT1S per key");
    }

    @Test
    void withinTheLimitsTheSameHistoryIsDecided() {
      CheckResult result = checker.check(manyConcurrentWrites.history());

      assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
      assertThat(result.explanation()).contains("longest linearizable prefix: 20 operations");
    }
  }
}

package io.cairn.statemachine;

import static io.cairn.statemachine.Commands.batch;
import static io.cairn.statemachine.Commands.delete;
import static io.cairn.statemachine.Commands.deleteIf;
import static io.cairn.statemachine.Commands.deleted;
import static io.cairn.statemachine.Commands.from;
import static io.cairn.statemachine.Commands.key;
import static io.cairn.statemachine.Commands.mismatch;
import static io.cairn.statemachine.Commands.put;
import static io.cairn.statemachine.Commands.putIf;
import static io.cairn.statemachine.Commands.putVersion;
import static io.cairn.statemachine.Commands.staleDuplicate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.proto.WriteId;
import io.cairn.proto.internal.BatchResult;
import io.cairn.proto.internal.Command;
import io.cairn.proto.internal.CommandBatch;
import io.cairn.proto.internal.CommandResult;
import io.cairn.proto.internal.ReadResult;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ShardCoreTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final long HOUR_MS = 60 * 60 * 1000L;

  private final ShardCore core = new ShardCore(new InMemoryKvStore());
  private long nextIndex = 1;

  /** Applies one command as its own entry at the next index, at time {@code T0}. */
  private CommandResult apply(Command command) {
    return applyAt(T0, command);
  }

  private CommandResult applyAt(long proposedAtMs, Command command) {
    return core.apply(batch(proposedAtMs, command), nextIndex++).getResults(0);
  }

  private long versionOf(String k) {
    ReadResult r = core.read(key(k));
    return r.getFound() ? r.getVersion() : 0;
  }

  @Nested
  class Versions {
    @Test
    void aPutIsVersionedWithItsEntryIndex() {
      nextIndex = 41;
      assertThat(apply(put("a", "1"))).isEqualTo(putVersion(41));

      ReadResult r = core.read(key("a"));
      assertThat(r.getFound()).isTrue();
      assertThat(r.getValue().toStringUtf8()).isEqualTo("1");
      assertThat(r.getVersion()).isEqualTo(41);
      assertThat(r.getAppliedIndex()).isEqualTo(41);
      assertThat(core.appliedIndex()).isEqualTo(41);
    }

    @Test
    void aReadOfAnAbsentKeyReportsTheAppliedIndex() {
      apply(put("a", "1"));
      ReadResult r = core.read(key("missing"));
      assertThat(r.getFound()).isFalse();
      assertThat(r.getValue().isEmpty()).isTrue();
      assertThat(r.getVersion()).isZero();
      assertThat(r.getAppliedIndex()).isEqualTo(1);
    }

    @Test
    void everyCommandOfABatchGetsTheBatchIndexAndResultsKeepCommandOrder() {
      BatchResult r = core.apply(batch(T0, put("a", "1"), delete("zz"), put("b", "2")), 7);
      assertThat(r.getIndex()).isEqualTo(7);
      assertThat(r.getResultsList())
          .containsExactly(putVersion(7), deleted(false, 7), putVersion(7));
      assertThat(versionOf("a")).isEqualTo(7);
      assertThat(versionOf("b")).isEqualTo(7);
    }

    @Test
    void twoCommandsForOneKeyInABatchApplyInOrder() {
      BatchResult r =
          core.apply(batch(T0, put("k", "first"), putIf("k", "second", 5), deleteIf("k", 4)), 5);
      assertThat(r.getResultsList())
          .containsExactly(putVersion(5), putVersion(5), mismatch(5, true));
      assertThat(core.read(key("k")).getValue().toStringUtf8()).isEqualTo("second");
    }

    @Test
    void aCommandWithoutAnOperationGetsAnEmptyResultAndChangesNothing() {
      apply(put("a", "1"));
      CommandResult r = apply(Command.getDefaultInstance());
      assertThat(r).isEqualTo(CommandResult.getDefaultInstance());
      assertThat(core.keyCount()).isEqualTo(1);
      assertThat(core.appliedIndex()).isEqualTo(2);
    }

    @Test
    void applyRefusesAnIndexThatDoesNotMoveForward() {
      core.apply(batch(T0, put("a", "1")), 5);
      assertThatThrownBy(() -> core.apply(batch(T0, put("a", "2")), 5))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("entry index 5")
          .hasMessageContaining("applied index 5");
      assertThatThrownBy(() -> core.apply(batch(T0, put("a", "2")), 3))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(versionOf("a")).isEqualTo(5);
    }

    @Test
    void applyRefusesIndexZero() {
      assertThatThrownBy(() -> core.apply(batch(T0, put("a", "1")), 0))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(core.keyCount()).isZero();
    }

    @Test
    void advanceAppliedIndexNeverMovesBack() {
      core.advanceAppliedIndex(10);
      core.advanceAppliedIndex(4);
      assertThat(core.appliedIndex()).isEqualTo(10);
      assertThat(core.read(key("x")).getAppliedIndex()).isEqualTo(10);
      assertThatThrownBy(() -> core.apply(batch(T0, put("a", "1")), 10))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(core.apply(batch(T0, put("a", "1")), 11).getResults(0)).isEqualTo(putVersion(11));
    }
  }

  @Nested
  class CompareAndSet {
    @Test
    void expectedZeroCreatesOnlyAnAbsentKey() {
      assertThat(apply(putIf("k", "v1", 0))).isEqualTo(putVersion(1));
      assertThat(apply(putIf("k", "v2", 0))).isEqualTo(mismatch(1, true));
      assertThat(core.read(key("k")).getValue().toStringUtf8()).isEqualTo("v1");
    }

    @Test
    void expectedVersionMustEqualTheCurrentOne() {
      apply(put("k", "v1")); // version 1
      assertThat(apply(putIf("k", "v2", 1))).isEqualTo(putVersion(2));
      assertThat(apply(putIf("k", "v3", 1))).isEqualTo(mismatch(2, true));
      assertThat(apply(putIf("k", "v3", 3))).isEqualTo(mismatch(2, true));
      assertThat(core.read(key("k")).getValue().toStringUtf8()).isEqualTo("v2");
      assertThat(versionOf("k")).isEqualTo(2);
    }

    @Test
    void anExpectedVersionOnAnAbsentKeyMismatchesWithVersionZero() {
      assertThat(apply(putIf("k", "v", 7))).isEqualTo(mismatch(0, false));
      assertThat(apply(deleteIf("k", 7))).isEqualTo(mismatch(0, false));
      assertThat(core.keyCount()).isZero();
    }

    @Test
    void aConditionalDeleteRemovesOnlyTheExpectedVersion() {
      apply(put("k", "v")); // version 1
      assertThat(apply(deleteIf("k", 0))).isEqualTo(mismatch(1, true));
      assertThat(apply(deleteIf("k", 2))).isEqualTo(mismatch(1, true));
      assertThat(versionOf("k")).isEqualTo(1);
      assertThat(apply(deleteIf("k", 1))).isEqualTo(deleted(true, 4));
      assertThat(core.read(key("k")).getFound()).isFalse();
    }

    @Test
    void deletingAnAbsentKeyIsAppliedAndChangesNothing() {
      apply(put("other", "v"));
      assertThat(apply(delete("k"))).isEqualTo(deleted(false, 2));
      assertThat(apply(deleteIf("k", 0))).isEqualTo(deleted(false, 3));
      assertThat(core.keyCount()).isEqualTo(1);
      assertThat(versionOf("other")).isEqualTo(1);
    }

    @Test
    void aKeyCreatedAgainAfterADeleteNeverMatchesAVersionFromBefore() {
      apply(put("k", "old")); // version 1
      assertThat(apply(delete("k"))).isEqualTo(deleted(true, 2));
      assertThat(apply(putIf("k", "new", 0))).isEqualTo(putVersion(3));
      assertThat(apply(putIf("k", "stale", 1))).isEqualTo(mismatch(3, true));
      assertThat(apply(deleteIf("k", 1))).isEqualTo(mismatch(3, true));
      assertThat(core.read(key("k")).getValue().toStringUtf8()).isEqualTo("new");
    }
  }

  @Nested
  class ExactlyOnce {
    @Test
    void aRetriedWriteIsAppliedOnceAndAnsweredTheSame() {
      Command write = from("c1", 1, 0, put("k", "v"));
      CommandResult first = apply(write);
      apply(put("k", "someone else")); // version 2
      CommandResult retry = apply(write);

      assertThat(first).isEqualTo(putVersion(1));
      assertThat(retry).isEqualTo(first);
      assertThat(core.read(key("k")).getValue().toStringUtf8()).isEqualTo("someone else");
      assertThat(versionOf("k")).isEqualTo(2);
    }

    @Test
    void aRetriedDeleteIsAnsweredWithTheIndexItWasAppliedAtNotTheRetrysIndex() {
      apply(put("k", "v")); // version 1
      Command delete = from("c1", 1, 0, deleteIf("k", 1));
      assertThat(apply(delete)).isEqualTo(deleted(true, 2));
      apply(put("k", "again")); // version 3
      // Found by the chaos suite: the retry's own entry index (4) was reported, which claimed
      // the delete came after the put at version 3.
      assertThat(apply(delete)).isEqualTo(deleted(true, 2));
      assertThat(versionOf("k")).isEqualTo(3);
    }

    @Test
    void aRetriedConditionalWriteGetsItsFirstAnswerEvenAfterTheStateChanged() {
      apply(put("k", "v")); // version 1
      Command cas = from("c1", 1, 0, putIf("k", "mine", 1));
      assertThat(apply(cas)).isEqualTo(putVersion(2));
      assertThat(apply(cas)).isEqualTo(putVersion(2)); // not a mismatch
      assertThat(versionOf("k")).isEqualTo(2);

      Command failing = from("c1", 2, 0, deleteIf("k", 1));
      assertThat(apply(failing)).isEqualTo(mismatch(2, true));
      apply(put("k", "again")); // version 5
      assertThat(apply(failing)).isEqualTo(mismatch(2, true));
    }

    @Test
    void aRetryInsideTheSameBatchIsAnsweredFromTheFirst() {
      Command write = from("c1", 1, 0, put("k", "v"));
      BatchResult r = core.apply(batch(T0, write, put("k", "x"), write), 3);
      assertThat(r.getResultsList()).containsExactly(putVersion(3), putVersion(3), putVersion(3));
      assertThat(core.read(key("k")).getValue().toStringUtf8()).isEqualTo("x");
    }

    @Test
    void sessionsAreSeparatePerClient() {
      assertThat(apply(from("c1", 1, 0, put("a", "1")))).isEqualTo(putVersion(1));
      assertThat(apply(from("c2", 1, 0, put("a", "2")))).isEqualTo(putVersion(2));
      assertThat(apply(from("c1", 1, 0, put("a", "1")))).isEqualTo(putVersion(1));
      assertThat(core.sessionCount()).isEqualTo(2);
    }

    @Test
    void writesWithoutAClientIdAreNeverDeduplicated() {
      Command anonymous = put("k", "v");
      Command emptyClient =
          put("k", "v").toBuilder().setWriteId(WriteId.newBuilder().setSequence(1)).build();
      assertThat(apply(anonymous)).isEqualTo(putVersion(1));
      assertThat(apply(anonymous)).isEqualTo(putVersion(2));
      assertThat(apply(emptyClient)).isEqualTo(putVersion(3));
      assertThat(apply(emptyClient)).isEqualTo(putVersion(4));
      assertThat(core.sessionCount()).isZero();
    }

    @Test
    void aWriteBelowAckedBelowIsAStaleDuplicateAndIsNotApplied() {
      Command first = from("c1", 1, 0, put("k", "v1"));
      apply(first); // version 1
      apply(from("c1", 2, 2, put("k", "v2"))); // acks seq 1
      assertThat(apply(first)).isEqualTo(staleDuplicate());
      assertThat(apply(from("c1", 1, 0, delete("k")))).isEqualTo(staleDuplicate());
      assertThat(core.read(key("k")).getValue().toStringUtf8()).isEqualTo("v2");
      assertThat(versionOf("k")).isEqualTo(2);
    }

    @Test
    void ackedBelowDropsOnlyLowerResultsAndNeverGoesDown() {
      apply(from("c1", 1, 0, put("a", "1"))); // version 1
      apply(from("c1", 2, 0, put("b", "2"))); // version 2
      apply(from("c1", 3, 2, put("c", "3"))); // acks seq 1
      assertThat(apply(from("c1", 2, 0, put("b", "x")))).isEqualTo(putVersion(2));
      assertThat(apply(from("c1", 4, 1, put("d", "4")))).isEqualTo(putVersion(5));
      // acked_below 1 on seq 4 did not lower it from 2: seq 1 stays a stale duplicate.
      assertThat(apply(from("c1", 1, 0, put("a", "again")))).isEqualTo(staleDuplicate());
      assertThat(versionOf("a")).isEqualTo(1);
    }

    @Test
    void aWriteCarryingItsOwnSequenceInAckedBelowIsStale() {
      // The client says it already has the answer for this very sequence: nothing to do.
      assertThat(apply(from("c1", 5, 6, put("k", "v")))).isEqualTo(staleDuplicate());
      assertThat(core.keyCount()).isZero();
    }

    @Test
    void aSessionIdleForUpToAnHourIsKept() {
      Command write = from("c1", 1, 0, put("k", "v"));
      applyAt(T0, write); // version 1
      assertThat(applyAt(T0 + HOUR_MS, write)).isEqualTo(putVersion(1));
      assertThat(applyAt(T0 + 2 * HOUR_MS, write)).isEqualTo(putVersion(1)); // touched at +1h
      assertThat(versionOf("k")).isEqualTo(1);
    }

    @Test
    void aSessionIdleForMoreThanAnHourOfLeaderTimeIsForgotten() {
      Command write = from("c1", 1, 0, put("k", "v"));
      applyAt(T0, write); // version 1
      applyAt(T0 + HOUR_MS + 1, put("other", "x")); // expires c1
      assertThat(core.sessionCount()).isZero();
      assertThat(applyAt(T0 + HOUR_MS + 2, write)).isEqualTo(putVersion(3));
      assertThat(core.sessionCount()).isEqualTo(1);
    }

    @Test
    void expiryFollowsTheEntryTimestampNotTheOrderOfArrival() {
      // A leader whose clock is behind does not revive or expire anything by itself.
      applyAt(T0, from("c1", 1, 0, put("k", "v")));
      applyAt(T0 - 5 * HOUR_MS, put("other", "x"));
      assertThat(core.sessionCount()).isEqualTo(1);
    }

    @Test
    void theLeastRecentlyActiveSessionIsDroppedAtTheSessionCap() {
      applyAt(T0, from("early", 1, 0, put("k", "v"))); // version 1
      List<Command> others = new ArrayList<>();
      for (int i = 0; i < ClientSessions.SESSIONS_MAX - 1; i++) {
        others.add(from(String.format("client-%06d", i), 1, 0, put("k" + i, "v")));
      }
      core.apply(batchOf(T0 + 1, others), nextIndex++);
      assertThat(core.sessionCount()).isEqualTo(ClientSessions.SESSIONS_MAX);

      applyAt(T0 + 2, from("late", 1, 0, put("x", "v"))); // evicts "early"
      assertThat(core.sessionCount()).isEqualTo(ClientSessions.SESSIONS_MAX);
      assertThat(applyAt(T0 + 3, from("early", 1, 0, put("k", "v"))))
          .isEqualTo(putVersion(nextIndex - 1)); // applied again
      // "early" came back and evicted the next oldest: the lowest client id at T0 + 1.
      assertThat(applyAt(T0 + 4, from("client-000000", 1, 0, put("k0", "v"))))
          .isEqualTo(putVersion(nextIndex - 1));
      assertThat(applyAt(T0 + 5, from("client-000002", 1, 0, put("k2", "v"))))
          .isEqualTo(putVersion(2)); // still cached
    }

    @Test
    void aSessionKeepsOnlyItsNewestResultsAtTheResultCap() {
      int writes = ClientSessions.RESULTS_PER_SESSION_MAX + 1;
      List<Command> batch = new ArrayList<>();
      for (int seq = 1; seq <= writes; seq++) {
        batch.add(from("c1", seq, 0, put("k" + seq, "v")));
      }
      core.apply(batchOf(T0, batch), nextIndex++); // all at version 1
      assertThat(applyAt(T0, from("c1", 2, 0, put("k2", "v")))).isEqualTo(putVersion(1));
      assertThat(applyAt(T0, from("c1", 1, 0, put("k1", "v"))))
          .isEqualTo(putVersion(nextIndex - 1)); // seq 1 was dropped
    }

    private CommandBatch batchOf(long proposedAtMs, List<Command> commands) {
      return CommandBatch.newBuilder()
          .setProposedAtMs(proposedAtMs)
          .addAllCommands(commands)
          .build();
    }
  }
}

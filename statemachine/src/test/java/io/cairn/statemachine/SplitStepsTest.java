package io.cairn.statemachine;

import static io.cairn.statemachine.Commands.b;
import static io.cairn.statemachine.Commands.batch;
import static io.cairn.statemachine.Commands.delete;
import static io.cairn.statemachine.Commands.from;
import static io.cairn.statemachine.Commands.key;
import static io.cairn.statemachine.Commands.put;
import static io.cairn.statemachine.Commands.putIf;
import static io.cairn.statemachine.Commands.putVersion;
import static io.cairn.statemachine.Commands.snapshotOf;
import static io.cairn.statemachine.Commands.staleDuplicate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.proto.KeyRing;
import io.cairn.proto.internal.Activate;
import io.cairn.proto.internal.CommandBatch;
import io.cairn.proto.internal.CommandResult;
import io.cairn.proto.internal.DropMoved;
import io.cairn.proto.internal.ExportSessions;
import io.cairn.proto.internal.Ingest;
import io.cairn.proto.internal.KeyOwnership;
import io.cairn.proto.internal.ReadResult;
import io.cairn.proto.internal.SnapshotEntry;
import io.cairn.proto.internal.SnapshotSession;
import io.cairn.proto.internal.SplitStep;
import io.cairn.proto.internal.SplitStepResult;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Each shard's part in adding a shard: fences, filling, versions, sessions, drops. */
class SplitStepsTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final int VNODES = 8;

  /** Shard 1 alone, then shards 1 and 2: the ring of a split that adds shard 2. */
  private static final KeyOwnership SOURCE_AFTER = ownership(1, 1, 2);

  private static final KeyOwnership TARGET = ownership(2, 1, 2);
  private static final KeyRing RING_AFTER = new KeyRing(List.of(1, 2), VNODES);

  private static KeyOwnership ownership(int self, Integer... ring) {
    return KeyOwnership.newBuilder()
        .setShardId(self)
        .addAllRingShardIds(List.of(ring))
        .setVirtualNodesPerShard(VNODES)
        .build();
  }

  /** The first key of the form k0, k1, ... that the two-shard ring gives to {@code shard}. */
  private static String keyOf(int shard, int nth) {
    int found = 0;
    for (int i = 0; i < 10_000; i++) {
      String k = "k" + i;
      if (RING_AFTER.shardFor(key(k)) == shard && found++ == nth) {
        return k;
      }
    }
    throw new AssertionError("no key for shard " + shard);
  }

  private static final String STAYS = keyOf(1, 0);
  private static final String MOVES = keyOf(2, 0);
  private static final String MOVES_TOO = keyOf(2, 1);

  private final ShardCore source = new ShardCore(new InMemoryKvStore());
  private final ShardCore target = new ShardCore(new InMemoryKvStore());
  private long sourceIndex = 1;
  private long targetIndex = 1;

  private CommandResult onSource(io.cairn.proto.internal.Command command) {
    return source.apply(batch(T0, command), sourceIndex++).getResults(0);
  }

  private CommandResult onTarget(io.cairn.proto.internal.Command command) {
    return target.apply(batch(T0, command), targetIndex++).getResults(0);
  }

  private SplitStepResult stepOn(ShardCore core, SplitStep step) {
    long index = core == source ? sourceIndex++ : targetIndex++;
    CommandBatch entry = CommandBatch.newBuilder().setProposedAtMs(T0).setSplitStep(step).build();
    return core.apply(entry, index).getSplitStep();
  }

  private static SplitStep fence(KeyOwnership o) {
    return SplitStep.newBuilder().setFence(o).build();
  }

  private static SplitStep beginFill(KeyOwnership o) {
    return SplitStep.newBuilder().setBeginFill(o).build();
  }

  private static SplitStep ingest(List<SnapshotEntry> entries, List<SnapshotSession> sessions) {
    return SplitStep.newBuilder()
        .setIngest(Ingest.newBuilder().addAllEntries(entries).addAllSessions(sessions))
        .build();
  }

  private static SplitStep activate(long base) {
    return SplitStep.newBuilder().setActivate(Activate.newBuilder().setVersionBase(base)).build();
  }

  /** Runs the whole split from the source to the target; returns the target's version base. */
  private long splitAll() {
    SplitStepResult fenced = stepOn(source, fence(SOURCE_AFTER));
    assertThat(fenced.hasDone()).as(fenced.toString()).isTrue();
    assertThat(stepOn(target, beginFill(TARGET)).hasDone()).isTrue();
    List<SnapshotEntry> moved = new ArrayList<>();
    byte[] after = null;
    for (int page = 0; page < 1_000; page++) {
      ShardCore.ExportPage p = source.exportMovedKeys(2, after, 3);
      moved.addAll(p.entries());
      if (p.last()) {
        break;
      }
      after = p.nextAfterKey();
    }
    SplitStepResult sessions =
        stepOn(
            source, SplitStep.newBuilder().setExportSessions(ExportSessions.newBuilder()).build());
    assertThat(sessions.getSessions().getLast()).isTrue();
    assertThat(stepOn(target, ingest(moved, sessions.getSessions().getSessionsList())).hasDone())
        .isTrue();
    long base = fenced.getDone().getFenceIndex() + fenced.getDone().getVersionBase();
    assertThat(stepOn(target, activate(base)).hasDone()).isTrue();
    return base;
  }

  @Nested
  class AFencedSource {
    @Test
    void refusesTheKeysItGaveAwayAndServesTheRest() {
      onSource(put(STAYS, "a"));
      onSource(put(MOVES, "b"));
      stepOn(source, fence(SOURCE_AFTER));

      assertThat(onSource(put(MOVES, "c")).getNotServed().getOwnerShardId()).isEqualTo(2);
      assertThat(onSource(delete(MOVES)).hasNotServed()).isTrue();
      ReadResult read = source.read(key(MOVES));
      assertThat(read.getFound()).isFalse();
      assertThat(read.getNotServed().getOwnerShardId()).isEqualTo(2);
      assertThat(source.store().get(key(MOVES)).value()).isEqualTo(key("b"));

      assertThat(onSource(put(STAYS, "d")).hasPutVersion()).isTrue();
      assertThat(source.read(key(STAYS)).getValue()).isEqualTo(b("d"));
    }

    @Test
    void aRetryOfAWriteAppliedBeforeTheFenceGetsItsFirstAnswer() {
      CommandResult first = onSource(from("c1", 5, 0, put(MOVES, "b")));
      stepOn(source, fence(SOURCE_AFTER));

      assertThat(onSource(from("c1", 5, 0, put(MOVES, "b")))).isEqualTo(first);
      assertThat(onSource(from("c1", 6, 0, put(MOVES, "b"))).hasNotServed()).isTrue();
      assertThat(onSource(from("c1", 4, 5, put(MOVES, "b")))).isEqualTo(staleDuplicate());
      // The refused write left no trace: a later retry of it is refused again, not answered.
      assertThat(onSource(from("c1", 6, 0, put(MOVES, "b"))).hasNotServed()).isTrue();
    }

    @Test
    void aRepeatedFenceAnswersTheFirstFenceIndex() {
      SplitStepResult first = stepOn(source, fence(SOURCE_AFTER));
      onSource(put(STAYS, "a"));
      SplitStepResult again = stepOn(source, fence(SOURCE_AFTER));
      assertThat(again).isEqualTo(first);
      assertThat(first.getDone().getFenceIndex()).isEqualTo(1);
    }

    @Test
    void refusesAFenceThatTakesAShardOutOfTheRingAndChangesNothing() {
      SplitStepResult first = stepOn(source, fence(ownership(1, 1, 2, 3)));
      SplitStepResult r = stepOn(source, fence(SOURCE_AFTER));
      assertThat(r.getRefused()).contains("lacks shard 3");
      assertThat(source.ownership()).isEqualTo(ownership(1, 1, 2, 3));
      assertThat(stepOn(source, fence(ownership(1, 1, 2, 3)))).isEqualTo(first);
    }

    @Test
    void refusesMalformedOwnerships() {
      assertThat(stepOn(source, fence(ownership(1, 2, 3))).getRefused())
          .contains("without that shard");
      assertThat(stepOn(source, fence(ownership(1, 1, 1))).getRefused()).contains("twice");
      assertThat(
              stepOn(source, fence(SOURCE_AFTER.toBuilder().setVirtualNodesPerShard(0).build()))
                  .getRefused())
          .contains("points per shard");
      assertThat(stepOn(source, SplitStep.getDefaultInstance()).getRefused()).contains("no step");
      assertThat(source.ownership()).isNull();
      assertThat(onSource(put(MOVES, "still mine")).hasPutVersion()).isTrue();
    }

    @Test
    void exportsOnlyAfterItsFenceAndOnlyTheKeysOfTheNewShard() {
      onSource(put(STAYS, "a"));
      onSource(put(MOVES, "b"));
      onSource(put(MOVES_TOO, "c"));
      assertThatThrownBy(() -> source.exportMovedKeys(2, null, 100))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("fence it first");

      stepOn(source, fence(SOURCE_AFTER));
      ShardCore.ExportPage page = source.exportMovedKeys(2, null, 100);
      assertThat(page.last()).isTrue();
      assertThat(page.entries())
          .extracting(e -> e.getKey().toStringUtf8())
          .containsExactlyInAnyOrder(MOVES, MOVES_TOO);
      assertThatThrownBy(() -> source.exportMovedKeys(3, null, 100))
          .isInstanceOf(IllegalStateException.class);

      ShardCore.ExportPage byBytes = source.exportMovedKeys(2, null, 100, 1);
      assertThat(byBytes.entries()).hasSize(1);
      assertThat(byBytes.last()).isFalse();
      ShardCore.ExportPage rest = source.exportMovedKeys(2, byBytes.nextAfterKey(), 100, 1);
      assertThat(rest.entries()).hasSize(1).doesNotContainAnyElementsOf(byBytes.entries());
    }

    @Test
    void dropsTheKeysItGaveAwayPageByPage() {
      List<String> stays = new ArrayList<>();
      List<String> moves = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        (RING_AFTER.shardFor(key("k" + i)) == 1 ? stays : moves).add("k" + i);
        onSource(put("k" + i, "v"));
      }
      SplitStep dropBeforeFence =
          SplitStep.newBuilder().setDropMoved(DropMoved.getDefaultInstance()).build();
      assertThat(stepOn(source, dropBeforeFence).getRefused()).contains("given no keys away");

      long fenceIndex = stepOn(source, fence(SOURCE_AFTER)).getDone().getFenceIndex();
      SplitStep forAnotherSplit =
          SplitStep.newBuilder()
              .setDropMoved(DropMoved.newBuilder().setFenceIndex(fenceIndex - 1))
              .build();
      assertThat(stepOn(source, forAnotherSplit).getRefused()).contains("another split");
      assertThat(source.keyCount()).isEqualTo(20);
      int dropped = 0;
      com.google.protobuf.ByteString after = com.google.protobuf.ByteString.EMPTY;
      for (int page = 0; page < 100; page++) {
        SplitStepResult r =
            stepOn(
                source,
                SplitStep.newBuilder()
                    .setDropMoved(
                        DropMoved.newBuilder()
                            .setAfterKey(after)
                            .setMaxKeys(3)
                            .setFenceIndex(fenceIndex))
                    .build());
        dropped += r.getDropped().getDropped();
        after = r.getDropped().getNextAfterKey();
        if (after.isEmpty()) {
          break;
        }
      }
      assertThat(dropped).isEqualTo(moves.size());
      assertThat(source.keyCount()).isEqualTo(stays.size());
      for (String k : stays) {
        assertThat(source.read(key(k)).getFound()).isTrue();
      }
      for (String k : moves) {
        assertThat(source.read(key(k)).hasNotServed()).isTrue();
        assertThat(source.store().get(key(k))).isNull();
      }
    }
  }

  @Test
  void aKeyAnEarlierSplitGaveAwayIsNeverExportedAgainByALaterOne() {
    // Split 1 gives MOVES to shard 2 and its drop never runs; the key is then deleted on shard 2.
    // Split 2 (shard 3) must not carry the source's stale copy to shard 3.
    KeyRing three = new KeyRing(List.of(1, 2, 3), VNODES);
    String twice = null;
    for (int i = 0; i < 10_000 && twice == null; i++) {
      if (RING_AFTER.shardFor(key("k" + i)) == 2 && three.shardFor(key("k" + i)) == 3) {
        twice = "k" + i;
      }
    }
    assertThat(twice).as("a key the first split gives to 2 and the second to 3").isNotNull();
    onSource(put(twice, "old"));
    for (int i = 0; i < 40; i++) {
      onSource(put("x" + i, "v"));
    }
    stepOn(source, fence(SOURCE_AFTER));
    KeyOwnership afterSecond = ownership(1, 1, 2, 3);
    stepOn(source, fence(afterSecond));
    List<String> exported =
        source.exportMovedKeys(3, null, 1_000).entries().stream()
            .map(e -> e.getKey().toStringUtf8())
            .toList();
    for (String k : exported) {
      assertThat(RING_AFTER.shardFor(key(k))).as("%s was shard 1's before split 2", k).isEqualTo(1);
      assertThat(three.shardFor(key(k))).isEqualTo(3);
    }
    assertThat(exported).doesNotContain(twice).isNotEmpty();
  }

  @Test
  void anIngestNeverReplacesANewerCopy() {
    stepOn(target, beginFill(TARGET));
    stepOn(target, ingest(List.of(entry(MOVES, "newer", 9)), List.of()));
    stepOn(target, ingest(List.of(entry(MOVES, "older", 4), entry(MOVES_TOO, "b", 2)), List.of()));
    assertThat(target.store().get(key(MOVES)).value()).isEqualTo(key("newer"));
    assertThat(target.store().get(key(MOVES_TOO)).version()).isEqualTo(2);
  }

  @Nested
  class TheNewShard {
    @Test
    void servesNothingWhileFillingAndOnlyIngestsWhileFilling() {
      SplitStepResult early = stepOn(target, ingest(List.of(entry(MOVES, "b", 1)), List.of()));
      assertThat(early.getRefused()).contains("not filling");
      assertThat(target.keyCount()).isZero();

      stepOn(target, beginFill(TARGET));
      assertThat(onTarget(put(MOVES, "x")).getNotServed().getFilling()).isTrue();
      assertThat(target.read(key(MOVES)).getNotServed().getFilling()).isTrue();
      assertThat(stepOn(target, ingest(List.of(entry(MOVES, "b", 7)), List.of())).hasDone())
          .isTrue();
      assertThat(target.read(key(MOVES)).getNotServed().getFilling()).isTrue();

      assertThat(stepOn(target, activate(9)).hasDone()).isTrue();
      ReadResult read = target.read(key(MOVES));
      assertThat(read.getValue()).isEqualTo(b("b"));
      assertThat(read.getVersion()).isEqualTo(7);
      assertThat(stepOn(target, ingest(List.of(entry(MOVES, "late", 8)), List.of())).getRefused())
          .contains("not filling");
      assertThat(target.read(key(MOVES)).getValue()).isEqualTo(b("b"));
    }

    @Test
    void refusesAnIngestWithAKeyItWillNotOwnAndIngestsNoneOfIt() {
      stepOn(target, beginFill(TARGET));
      SplitStepResult r =
          stepOn(target, ingest(List.of(entry(MOVES, "b", 3), entry(STAYS, "a", 2)), List.of()));
      assertThat(r.getRefused()).contains("belongs to shard 1");
      assertThat(target.keyCount()).isZero();
      SplitStepResult badSession =
          stepOn(
              target,
              ingest(
                  List.of(entry(MOVES, "b", 3)),
                  List.of(SnapshotSession.newBuilder().setClientId(b("")).build())));
      assertThat(badSession.getRefused()).contains("empty client id");
      assertThat(target.keyCount()).isZero();
    }

    @Test
    void onlyANewEmptyShardBeginsToFill() {
      onTarget(put(MOVES, "x"));
      assertThat(stepOn(target, beginFill(TARGET)).getRefused()).contains("holds 1 keys");
      assertThat(target.filling()).isFalse();
      assertThat(stepOn(target, activate(5)).getRefused()).contains("not filling");
    }

    @Test
    void versionsKeepGrowingAcrossTheMoveAndAnOldVersionNeverMatchesAgain() {
      long beforeMove = onSource(put(MOVES, "1")).getPutVersion();
      long deletedAt = onSource(delete(MOVES)).getDeleted().getIndex();
      long recreated = onSource(put(MOVES, "2")).getPutVersion();
      for (int i = 0; i < 5; i++) {
        onSource(put(STAYS, "s" + i));
      }
      long base = splitAll();
      assertThat(target.read(key(MOVES)).getVersion()).isEqualTo(recreated);

      // Compare-and-set with the version from before the move still works...
      CommandResult cas = onTarget(putIf(MOVES, "3", recreated));
      assertThat(cas.getPutVersion()).isGreaterThan(base).isGreaterThan(deletedAt);
      // ...and no version the key had on the source can match on the target.
      for (long old : List.of(beforeMove, deletedAt, recreated)) {
        assertThat(onTarget(putIf(MOVES, "stale", old)).hasMismatch()).isTrue();
      }
      assertThat(onTarget(delete(MOVES)).getDeleted().getIndex())
          .isGreaterThan(cas.getPutVersion());
      assertThat(onTarget(put(MOVES, "4")).getPutVersion()).isEqualTo(base + targetIndex - 1);
    }

    @Test
    void aWriteAppliedOnTheSourceBeforeTheMoveIsAnsweredOnceOnTheTarget() {
      CommandResult first = onSource(from("c1", 1, 0, put(MOVES, "v1")));
      onSource(from("c2", 1, 0, put(MOVES_TOO, "w1")));
      splitAll();

      // The client lost the answer and retries on the new owner: the first answer, not a second
      // write.
      assertThat(onTarget(from("c1", 1, 0, put(MOVES, "v1")))).isEqualTo(first);
      assertThat(target.read(key(MOVES)).getVersion()).isEqualTo(first.getPutVersion());
      assertThat(onTarget(from("c1", 2, 0, put(MOVES, "v2"))).getPutVersion())
          .isGreaterThan(first.getPutVersion());
      assertThat(onTarget(from("c2", 0, 1, put(MOVES_TOO, "late")))).isEqualTo(staleDuplicate());
    }

    @Test
    void aBeginFillRepeatedAfterTheActivationSaysTheShardServes() {
      assertThat(stepOn(target, beginFill(TARGET)).getDone().getServing()).isFalse();
      assertThat(stepOn(target, beginFill(TARGET)).getDone().getServing()).isFalse();
      stepOn(target, activate(3));
      assertThat(stepOn(target, beginFill(TARGET)).getDone().getServing()).isTrue();
      assertThat(target.filling()).isFalse();
      assertThat(stepOn(target, beginFill(ownership(2, 1, 2, 3))).getRefused())
          .contains("only a new, empty shard");
    }

    @Test
    void aRepeatedActivateIsDoneAndALowerOneChangesNothing() {
      stepOn(target, beginFill(TARGET));
      stepOn(target, activate(40));
      assertThat(stepOn(target, activate(40)).hasDone()).isTrue();
      assertThat(stepOn(target, activate(12)).hasDone()).isTrue();
      assertThat(stepOn(target, activate(41)).getRefused()).contains("not filling");
      assertThat(onTarget(put(MOVES, "x"))).isEqualTo(putVersion(40 + targetIndex - 1));
    }
  }

  @Nested
  class Snapshots {
    @Test
    void aShardNoSplitTouchedKeepsTheFirstFormat() {
      onSource(put(MOVES, "b"));
      assertThat(headerFormat(snapshotOf(source))).isEqualTo(1);
    }

    @Test
    void restoringKeepsTheScopeOfEveryPhase() throws IOException {
      onSource(from("c1", 1, 0, put(MOVES, "v1")));
      onSource(put(STAYS, "a"));
      stepOn(source, fence(SOURCE_AFTER));
      stepOn(target, beginFill(TARGET));
      ShardCore filling = restored(target);
      assertThat(filling.filling()).isTrue();
      assertThat(filling.read(key(MOVES)).getNotServed().getFilling()).isTrue();

      ShardCore fenced = restored(source);
      assertThat(headerFormat(snapshotOf(source))).isEqualTo(2);
      assertThat(fenced.ownership()).isEqualTo(SOURCE_AFTER);
      assertThat(fenced.read(key(MOVES)).hasNotServed()).isTrue();
      assertThat(fenced.stateDigest()).isEqualTo(source.stateDigest());
      assertThat(fenced.exportMovedKeys(2, null, 10).entries()).hasSize(1);

      stepOn(
          target,
          ingest(
              source.exportMovedKeys(2, null, 10).entries(),
              List.of(SnapshotSession.newBuilder().setClientId(b("c9")).build())));
      stepOn(target, activate(500));
      ShardCore active = restored(target);
      assertThat(active.stateDigest()).isEqualTo(target.stateDigest());
      long next = targetIndex;
      assertThat(active.apply(batch(T0, put(MOVES, "n")), next).getResults(0))
          .isEqualTo(putVersion(500 + next));
    }

    private ShardCore restored(ShardCore core) throws IOException {
      return ShardCore.restore(new ByteArrayInputStream(snapshotOf(core)), new InMemoryKvStore());
    }

    private int headerFormat(byte[] snapshot) {
      try {
        return io.cairn.proto.internal.SnapshotHeader.parseDelimitedFrom(
                new ByteArrayInputStream(snapshot))
            .getFormatVersion();
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    }
  }

  private static SnapshotEntry entry(String k, String v, long version) {
    return SnapshotEntry.newBuilder().setKey(b(k)).setValue(b(v)).setVersion(version).build();
  }
}

package io.cairn.node.write;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cairn.node.config.NodeConfig;
import io.cairn.node.ops.RequestPathObserver;
import io.cairn.node.testing.ManualClock;
import io.cairn.node.testing.ManualScheduler;
import io.cairn.proto.internal.BatchResult;
import io.cairn.proto.internal.Command;
import io.cairn.proto.internal.CommandBatch;
import io.cairn.proto.internal.CommandResult;
import io.cairn.proto.internal.PutCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class WriteBatcherTest {
  /** A fake Raft group: records entries and lets the test decide when each commits. */
  private static final class FakeGroup implements WriteBatcher.EntrySubmitter {
    final List<CommandBatch> entries = new ArrayList<>();
    final List<CompletableFuture<BatchResult>> pending = new ArrayList<>();

    @Override
    public synchronized CompletableFuture<BatchResult> submit(CommandBatch entry) {
      entries.add(entry);
      CompletableFuture<BatchResult> f = new CompletableFuture<>();
      pending.add(f);
      return f;
    }

    void commit(int entry, long index) {
      BatchResult.Builder r = BatchResult.newBuilder().setIndex(index);
      entries
          .get(entry)
          .getCommandsList()
          .forEach(c -> r.addResults(CommandResult.newBuilder().setPutVersion(index)));
      pending.get(entry).complete(r.build());
    }
  }

  private static Command put(String key) {
    return put(key, "v");
  }

  private static Command put(String key, String value) {
    return Command.newBuilder()
        .setPut(
            PutCommand.newBuilder()
                .setKey(ByteString.copyFromUtf8(key))
                .setValue(ByteString.copyFromUtf8(value)))
        .build();
  }

  private static List<String> keyEqualsValue(CommandBatch entry) {
    return entry.getCommandsList().stream()
        .map(c -> c.getPut().getKey().toStringUtf8() + "=" + c.getPut().getValue().toStringUtf8())
        .toList();
  }

  private static final long ENTRY_DEADLINE_MS = 3000;
  private final List<Integer> sizes = new ArrayList<>();
  private final ManualClock clock = new ManualClock(0);
  private final ManualScheduler scheduler = new ManualScheduler(clock);

  /** A batcher over {@code group} whose clock stands at {@code wallMs}, recording entry sizes. */
  private WriteBatcher batcher(FakeGroup group, int commandsMax, int inFlightMax, long wallMs) {
    return batcher(group, commandsMax, inFlightMax, 1024, 64L << 20);
  }

  private WriteBatcher batcher(
      FakeGroup group, int commandsMax, int inFlightMax, int queueMax, long queueBytesMax) {
    RequestPathObserver observer =
        new RequestPathObserver() {
          @Override
          public void batch(int commands) {
            sizes.add(commands);
          }

          @Override
          public void entryCommitted(long nanos) {}

          @Override
          public void confirmationRound(long nanos, int reads, boolean confirmed) {}
        };
    return new WriteBatcher(
        3,
        group,
        new NodeConfig.Batch(commandsMax, 4 << 20, inFlightMax, queueMax, queueBytesMax),
        clock,
        observer,
        scheduler,
        ENTRY_DEADLINE_MS);
  }

  @Test
  void anEntryRaftNeverAnswersIsGivenUpAtItsDeadlineAndTheNextOneGoesOut() throws Exception {
    FakeGroup group = new FakeGroup();
    WriteBatcher b = batcher(group, 100, 1, 0L);
    var lost = b.submit(put("a"));
    var waiting = b.submit(put("b"));
    assertThat(group.entries).hasSize(1);

    scheduler.advance(ENTRY_DEADLINE_MS - 1);
    assertThat(lost).isNotDone();
    assertThat(group.entries).hasSize(1);

    scheduler.advance(1);
    assertThatThrownBy(lost::get)
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(TimeoutException.class)
        .hasMessageContaining("may still commit");
    assertThat(group.entries).as("the queued write went out in the next entry").hasSize(2);
    assertThat(group.entries.get(1).getCommands(0).getPut().getKey().toStringUtf8()).isEqualTo("b");

    // The given-up entry's late outcome changes nothing; the next one completes as usual.
    group.commit(0, 7);
    group.commit(1, 8);
    assertThat(waiting.get().index()).isEqualTo(8);
    assertThat(group.entries).hasSize(2);
  }

  @Test
  void anEntryAnsweredInTimeLeavesNoDeadlineBehind() throws Exception {
    FakeGroup group = new FakeGroup();
    WriteBatcher b = batcher(group, 100, 1, 0L);
    var f = b.submit(put("a"));
    group.commit(0, 7);
    assertThat(f.get().index()).isEqualTo(7);
    scheduler.advance(ENTRY_DEADLINE_MS * 2);
    assertThat(f.get().index()).isEqualTo(7);
    assertThat(scheduler.pending()).isZero();
  }

  @Test
  void loneWriteGoesOutAtOnce() throws Exception {
    FakeGroup group = new FakeGroup();
    WriteBatcher b = batcher(group, 100, 1, 42L);
    CompletableFuture<WriteBatcher.Applied> f = b.submit(put("a"));
    assertThat(group.entries).hasSize(1);
    group.commit(0, 7);
    assertThat(f.get().index()).isEqualTo(7);
    assertThat(f.get().result().getPutVersion()).isEqualTo(7);
  }

  @Test
  void writesArrivingWhileAnEntryIsInFlightShareTheNextEntry() throws Exception {
    FakeGroup group = new FakeGroup();
    WriteBatcher b = batcher(group, 100, 1, 0L);
    var first = b.submit(put("a"));
    var second = b.submit(put("b"));
    var third = b.submit(put("c"));
    assertThat(group.entries).hasSize(1);
    group.commit(0, 10);
    assertThat(group.entries).hasSize(2);
    assertThat(group.entries.get(1).getCommandsCount()).isEqualTo(2);
    group.commit(1, 11);
    assertThat(first.get().index()).isEqualTo(10);
    assertThat(second.get().index()).isEqualTo(11);
    assertThat(third.get().index()).isEqualTo(11);
    assertThat(sizes).containsExactly(1, 2);
  }

  @Test
  void anEntryNeverHoldsTheSameKeyTwiceAndARepeatDoesNotHoldBackOtherKeys() {
    FakeGroup group = new FakeGroup();
    WriteBatcher b = batcher(group, 100, 1, 0L);
    b.submit(put("x"));
    b.submit(put("k"));
    b.submit(put("k"));
    b.submit(put("m"));
    group.commit(0, 1);
    assertThat(group.entries.get(1).getCommandsList())
        .extracting(c -> c.getPut().getKey().toStringUtf8())
        .containsExactly("k", "m");
    group.commit(1, 2);
    assertThat(group.entries.get(2).getCommandsList())
        .extracting(c -> c.getPut().getKey().toStringUtf8())
        .containsExactly("k");
  }

  @Test
  void oneKeysWritesKeepTheirOrderAcrossEntries() {
    FakeGroup group = new FakeGroup();
    WriteBatcher b = batcher(group, 100, 1, 0L);
    b.submit(put("x"));
    for (String v : List.of("1", "2", "3")) {
      b.submit(put("hot", v));
      b.submit(put("cold" + v, v));
    }
    group.commit(0, 1);
    assertThat(keyEqualsValue(group.entries.get(1)))
        .containsExactly("hot=1", "cold1=1", "cold2=2", "cold3=3");
    group.commit(1, 2);
    assertThat(keyEqualsValue(group.entries.get(2))).containsExactly("hot=2");
    group.commit(2, 3);
    assertThat(keyEqualsValue(group.entries.get(3))).containsExactly("hot=3");
  }

  @Test
  void theLookForOtherKeysIsBoundedToTwiceAnEntry() {
    FakeGroup group = new FakeGroup();
    WriteBatcher b = batcher(group, 2, 1, 0L);
    b.submit(put("x"));
    for (int i = 0; i < 4; i++) {
      b.submit(put("hot", "v" + i));
    }
    b.submit(put("far"));
    group.commit(0, 1);
    // Four commands looked at (twice the limit of 2): "far", fifth in line, waits.
    assertThat(group.entries.get(1).getCommandsList())
        .extracting(c -> c.getPut().getKey().toStringUtf8())
        .containsExactly("hot");
    group.commit(1, 2);
    assertThat(group.entries.get(2).getCommandsList())
        .extracting(c -> c.getPut().getKey().toStringUtf8())
        .containsExactly("hot", "far");
  }

  @Test
  void respectsTheCommandLimitAndInFlightLimit() {
    FakeGroup group = new FakeGroup();
    WriteBatcher b = batcher(group, 2, 2, 0L);
    for (int i = 0; i < 7; i++) {
      b.submit(put("k" + i));
    }
    // Two single-command entries went out at once (in-flight limit 2); five wait.
    assertThat(group.entries).hasSize(2);
    group.commit(0, 1);
    assertThat(group.entries).hasSize(3);
    assertThat(group.entries.get(2).getCommandsCount()).isEqualTo(2);
  }

  @Test
  void aFailedEntryFailsEveryCommandInIt() {
    FakeGroup group = new FakeGroup();
    WriteBatcher b = batcher(group, 100, 1, 0L);
    var first = b.submit(put("a"));
    var second = b.submit(put("b"));
    group.pending.get(0).completeExceptionally(new IllegalStateException("not leader"));
    assertThat(first).isCompletedExceptionally();
    assertThat(group.entries).hasSize(2);
    group.pending.get(1).completeExceptionally(new IllegalStateException("not leader"));
    assertThat(second).isCompletedExceptionally();
    try {
      second.get();
    } catch (InterruptedException | ExecutionException e) {
      assertThat(e.getCause()).hasMessage("not leader");
    }
  }

  /** Issue 8, item 4: a flood must not queue without bound and make every other writer wait. */
  @Test
  void writesBeyondTheQueueBoundAreRefusedAtOnceAndChangeNothing() {
    FakeGroup group = new FakeGroup();
    WriteBatcher b = batcher(group, 100, 1, 3, 64L << 20);
    var inFlight = b.submit(put("a"));
    var queued = List.of(b.submit(put("b")), b.submit(put("c")), b.submit(put("d")));
    var refused = b.submit(put("e"));
    assertThat(refused).isCompletedExceptionally();
    assertThatThrownBy(refused::join)
        .hasCauseInstanceOf(WriteQueueFullException.class)
        .hasMessageContaining("3 commands")
        .hasMessageContaining("batch.queue-commands-max");
    group.commit(0, 1);
    assertThat(inFlight).isCompleted();
    assertThat(group.entries.get(1).getCommandsList())
        .extracting(c -> c.getPut().getKey().toStringUtf8())
        .containsExactly("b", "c", "d");
    group.commit(1, 2);
    queued.forEach(f -> assertThat(f).isCompleted());
    assertThat(b.submit(put("f"))).isNotCompleted(); // room again
  }

  @Test
  void theQueueIsBoundedInBytesToo() {
    FakeGroup group = new FakeGroup();
    long oneCommand = put("b").getSerializedSize();
    WriteBatcher b = batcher(group, 100, 1, 1000, 2 * oneCommand);
    b.submit(put("a"));
    b.submit(put("b"));
    b.submit(put("c"));
    assertThat(b.submit(put("d"))).isCompletedExceptionally();
  }
}

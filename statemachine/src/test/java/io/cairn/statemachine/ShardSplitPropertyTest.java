package io.cairn.statemachine;

import static io.cairn.statemachine.Commands.b;
import static io.cairn.statemachine.Commands.key;
import static io.cairn.statemachine.Commands.snapshotOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.proto.KeyRing;
import io.cairn.proto.WriteId;
import io.cairn.proto.internal.Activate;
import io.cairn.proto.internal.Command;
import io.cairn.proto.internal.CommandBatch;
import io.cairn.proto.internal.CommandResult;
import io.cairn.proto.internal.DeleteCommand;
import io.cairn.proto.internal.DropMoved;
import io.cairn.proto.internal.ExportSessions;
import io.cairn.proto.internal.Ingest;
import io.cairn.proto.internal.KeyOwnership;
import io.cairn.proto.internal.PutCommand;
import io.cairn.proto.internal.ReadResult;
import io.cairn.proto.internal.SnapshotEntry;
import io.cairn.proto.internal.SnapshotSession;
import io.cairn.proto.internal.SplitStep;
import io.cairn.proto.internal.SplitStepResult;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * A whole split, shard 3 added to shards 1 and 2, with clients writing, retrying and reading
 * before, during and after it: the three cores together must answer like one store.
 *
 * <p>The oracle is a plain map of each key's value and version, updated from the first answer to
 * every write. It checks that every read sees the map; that a key's versions only grow, across the
 * move too; that a compare-and-set with the current version succeeds and one with an older version
 * fails; and that a write retried with the same id, on the old owner or the new one, gets its first
 * answer and changes nothing. A write the old owner refuses as moved is retried after the new shard
 * serves, as a client would after reading the new map.
 */
class ShardSplitPropertyTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final int VNODES = 4;
  private static final int KEYS = 12;
  private static final int CLIENTS = 3;
  private static final KeyRing BEFORE = new KeyRing(List.of(1, 2), VNODES);
  private static final KeyRing AFTER = new KeyRing(List.of(1, 2, 3), VNODES);

  /**
   * One client operation as choices.
   *
   * @param kind 0 put, 1 delete, 2 compare-and-set put with the current version, 3 with an old one,
   *     4 read, 5 retry the client's oldest unanswered write
   * @param loseAnswer the client does not see the answer and will retry the write
   */
  record Op(int kind, int key, int client, boolean loseAnswer) {}

  @Provide
  Arbitrary<List<Op>> ops() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 5),
            Arbitraries.integers().between(0, KEYS - 1),
            Arbitraries.integers().between(0, CLIENTS - 1),
            Arbitraries.of(false, false, false, true))
        .as(Op::new)
        .list()
        .ofMinSize(5)
        .ofMaxSize(60);
  }

  @Property(tries = 300)
  void theShardsAnswerLikeOneStoreThroughTheSplit(
      @ForAll("ops") List<Op> before,
      @ForAll("ops") List<Op> during,
      @ForAll("ops") List<Op> after,
      @ForAll @IntRange(min = 0, max = KEYS) int deletedBeforeFence,
      @ForAll @IntRange(min = 1, max = 5) int pageKeys,
      @ForAll boolean restoreMidway,
      @ForAll boolean dropBeforeLastOps) {
    Store store = new Store();
    before.forEach(store::run);
    // Keys deleted just before the move leave no trace to copy, yet the versions they had must
    // never come back on the new shard.
    for (int k = 0; k < deletedBeforeFence; k++) {
      store.run(new Op(1, k, 0, false));
    }

    store.fenceSources();
    during.forEach(store::run);
    if (restoreMidway) {
      store.restoreEveryShard();
    }
    store.fillAndActivate(pageKeys);
    store.retryRefused();
    if (dropBeforeLastOps) {
      store.dropMoved();
    }
    after.forEach(store::run);
    store.retryEveryUnanswered();
    store.dropMoved();
    store.restoreEveryShard();
    store.checkEveryKey();
  }

  /** The three shards, their clients and the oracle. */
  private static final class Store {
    private final Map<Integer, ShardCore> shards = new TreeMap<>();
    private final Map<Integer, Long> nextIndex = new HashMap<>();
    private boolean splitDone;
    private final Map<Integer, SplitStepResult.Done> fences = new HashMap<>();

    // The oracle: each key's value and version, or absent; and every version a key ever had.
    private final Map<String, Long> versions = new HashMap<>();
    private final Map<String, String> values = new HashMap<>();
    private final Map<String, Long> highestVersion = new HashMap<>();
    private final Map<String, Long> olderVersion = new HashMap<>();

    private final long[] nextSequence = new long[CLIENTS];
    // Writes a client sent without seeing an answer: retried later with the same id.
    private final List<Deque<Sent>> unanswered = new ArrayList<>();
    // Writes an old owner refused as moved: sent again once the new shard serves.
    private final Deque<Sent> refused = new ArrayDeque<>();
    // The first answer each write id got.
    private final Map<String, CommandResult> firstAnswers = new HashMap<>();
    private int valueCounter;

    private record Sent(int client, long sequence, Command command, String key) {}

    Store() {
      shards.put(1, new ShardCore(new InMemoryKvStore()));
      shards.put(2, new ShardCore(new InMemoryKvStore()));
      shards.put(3, new ShardCore(new InMemoryKvStore()));
      for (int i = 0; i < CLIENTS; i++) {
        unanswered.add(new ArrayDeque<>());
      }
    }

    private int route(String k) {
      return splitDone ? AFTER.shardFor(key(k)) : BEFORE.shardFor(key(k));
    }

    private long ackedBelow(int client) {
      long lowest = nextSequence[client];
      for (Sent s : unanswered.get(client)) {
        lowest = Math.min(lowest, s.sequence());
      }
      for (Sent s : refused) {
        if (s.client() == client) {
          lowest = Math.min(lowest, s.sequence());
        }
      }
      return lowest;
    }

    private CommandBatch entry(Command... commands) {
      return CommandBatch.newBuilder()
          .setProposedAtMs(T0)
          .addAllCommands(List.of(commands))
          .build();
    }

    private CommandResult applyOn(int shard, Command command) {
      long index = nextIndex.merge(shard, 1L, Long::sum);
      return shards.get(shard).apply(entry(command), index).getResults(0);
    }

    private SplitStepResult stepOn(int shard, SplitStep step) {
      long index = nextIndex.merge(shard, 1L, Long::sum);
      CommandBatch e = CommandBatch.newBuilder().setProposedAtMs(T0).setSplitStep(step).build();
      return shards.get(shard).apply(e, index).getSplitStep();
    }

    void run(Op op) {
      String k = "k" + op.key();
      switch (op.kind()) {
        case 4 -> read(k);
        case 5 -> {
          Sent oldest = unanswered.get(op.client()).pollFirst();
          if (oldest != null) {
            send(oldest, false);
          }
        }
        default -> {
          Command command = commandFor(op, k);
          long ackedBelow = ackedBelow(op.client()); // at most this write's own sequence
          long sequence = nextSequence[op.client()]++;
          Command withId =
              command.toBuilder()
                  .setWriteId(
                      WriteId.newBuilder()
                          .setClientId(b("c" + op.client()))
                          .setSequence(sequence)
                          .setAckedBelow(ackedBelow))
                  .build();
          send(new Sent(op.client(), sequence, withId, k), op.loseAnswer());
        }
      }
    }

    private Command commandFor(Op op, String k) {
      return switch (op.kind()) {
        case 0 -> put(k, null);
        case 1 -> Command.newBuilder().setDelete(DeleteCommand.newBuilder().setKey(b(k))).build();
        case 2 -> put(k, versions.getOrDefault(k, 0L));
        default -> put(k, olderVersion.getOrDefault(k, 1L));
      };
    }

    private Command put(String k, Long expected) {
      PutCommand.Builder p = PutCommand.newBuilder().setKey(b(k)).setValue(b("v" + valueCounter++));
      if (expected != null) {
        p.setExpectedVersion(expected);
      }
      return Command.newBuilder().setPut(p).build();
    }

    private void send(Sent sent, boolean loseAnswer) {
      CommandResult r = applyOn(route(sent.key()), sent.command());
      if (r.hasNotServed()) {
        assertThat(splitDone)
            .as("only a fenced source refuses, before the split is done")
            .isFalse();
        assertThat(r.getNotServed().getOwnerShardId()).isEqualTo(3);
        refused.add(sent);
        return;
      }
      String id = sent.client() + "/" + sent.sequence();
      CommandResult first = firstAnswers.get(id);
      if (first != null) {
        assertThat(r).as("a retried write gets its first answer").isEqualTo(first);
      } else {
        firstAnswers.put(id, r);
        checkAndRecord(sent, r);
      }
      if (loseAnswer) {
        unanswered.get(sent.client()).addLast(sent);
      }
    }

    private void checkAndRecord(Sent sent, CommandResult r) {
      String k = sent.key();
      Command c = sent.command();
      boolean exists = versions.containsKey(k);
      if (r.hasMismatch()) {
        long expected =
            c.hasPut() ? c.getPut().getExpectedVersion() : c.getDelete().getExpectedVersion();
        assertThat(exists ? versions.get(k) : 0L).isNotEqualTo(expected);
        assertThat(r.getMismatch().getCurrentVersion()).isEqualTo(exists ? versions.get(k) : 0L);
        return;
      }
      if (c.hasPut()) {
        if (c.getPut().hasExpectedVersion()) {
          assertThat(c.getPut().getExpectedVersion()).isEqualTo(exists ? versions.get(k) : 0L);
        }
        newVersion(k, r.getPutVersion());
        values.put(k, c.getPut().getValue().toStringUtf8());
      } else {
        assertThat(r.getDeleted().getExisted()).isEqualTo(exists);
        newVersion(k, r.getDeleted().getIndex());
        versions.remove(k);
        values.remove(k);
      }
    }

    private void newVersion(String k, long version) {
      long highest = highestVersion.getOrDefault(k, 0L);
      assertThat(version).as("versions of %s only grow", k).isGreaterThan(highest);
      if (highest > 0) {
        olderVersion.put(k, highest);
      }
      highestVersion.put(k, version);
      versions.put(k, version);
    }

    private void read(String k) {
      ReadResult r = shards.get(route(k)).read(key(k));
      if (r.hasNotServed()) {
        assertThat(splitDone).isFalse();
        return; // the client would wait for the new map
      }
      assertThat(r.getFound()).as("%s exists", k).isEqualTo(versions.containsKey(k));
      if (r.getFound()) {
        assertThat(r.getVersion()).isEqualTo(versions.get(k));
        assertThat(r.getValue().toStringUtf8()).isEqualTo(values.get(k));
      }
    }

    void fenceSources() {
      for (int source : List.of(1, 2)) {
        SplitStepResult r = stepOn(source, SplitStep.newBuilder().setFence(ring(source)).build());
        assertThat(r.hasDone()).as(r.toString()).isTrue();
        fences.put(source, r.getDone());
        // A coordinator that lost the answer fences again and learns the same index.
        assertThat(stepOn(source, SplitStep.newBuilder().setFence(ring(source)).build()))
            .isEqualTo(r);
      }
    }

    void fillAndActivate(int pageKeys) {
      assertThat(stepOn(3, SplitStep.newBuilder().setBeginFill(ring(3)).build()).hasDone())
          .isTrue();
      long base = 0;
      for (int source : List.of(1, 2)) {
        ShardCore core = shards.get(source);
        byte[] after = null;
        for (int page = 0; page < 10_000; page++) {
          ShardCore.ExportPage p = core.exportMovedKeys(3, after, pageKeys);
          ingest(p.entries(), List.of());
          if (p.last()) {
            break;
          }
          after = p.nextAfterKey();
        }
        ByteString afterClient = ByteString.EMPTY;
        for (int page = 0; page < 10_000; page++) {
          SplitStepResult r =
              stepOn(
                  source,
                  SplitStep.newBuilder()
                      .setExportSessions(
                          ExportSessions.newBuilder()
                              .setAfterClientId(afterClient)
                              .setMaxSessions(1))
                      .build());
          List<SnapshotSession> sessions = r.getSessions().getSessionsList();
          ingest(List.of(), sessions);
          if (r.getSessions().getLast()) {
            break;
          }
          afterClient = sessions.get(sessions.size() - 1).getClientId();
        }
        SplitStepResult.Done fence = fences.get(source);
        base = Math.max(base, fence.getFenceIndex() + fence.getVersionBase());
      }
      SplitStep activate =
          SplitStep.newBuilder().setActivate(Activate.newBuilder().setVersionBase(base)).build();
      assertThat(stepOn(3, activate).hasDone()).isTrue();
      splitDone = true;
    }

    private void ingest(List<SnapshotEntry> entries, List<SnapshotSession> sessions) {
      SplitStep step =
          SplitStep.newBuilder()
              .setIngest(Ingest.newBuilder().addAllEntries(entries).addAllSessions(sessions))
              .build();
      SplitStepResult r = stepOn(3, step);
      assertThat(r.hasDone()).as(r.toString()).isTrue();
    }

    void retryRefused() {
      while (!refused.isEmpty()) {
        send(refused.pollFirst(), false);
      }
    }

    void retryEveryUnanswered() {
      for (Deque<Sent> pending : unanswered) {
        while (!pending.isEmpty()) {
          Sent s = pending.pollFirst();
          send(s, false);
          // The old owner, asked again, answers the first answer too, or says it moved.
          int before = BEFORE.shardFor(key(s.key()));
          CommandResult old = applyOn(before, s.command());
          if (!old.hasNotServed()) {
            assertThat(old).isEqualTo(firstAnswers.get(s.client() + "/" + s.sequence()));
          }
        }
      }
    }

    void dropMoved() {
      for (int source : List.of(1, 2)) {
        ByteString after = ByteString.EMPTY;
        for (int page = 0; page < 10_000; page++) {
          SplitStepResult r =
              stepOn(
                  source,
                  SplitStep.newBuilder()
                      .setDropMoved(
                          DropMoved.newBuilder()
                              .setAfterKey(after)
                              .setMaxKeys(2)
                              .setFenceIndex(fences.get(source).getFenceIndex()))
                      .build());
          assertThat(r.hasDropped()).as(r.toString()).isTrue();
          after = r.getDropped().getNextAfterKey();
          if (after.isEmpty()) {
            break;
          }
        }
      }
    }

    void restoreEveryShard() {
      for (Map.Entry<Integer, ShardCore> e : shards.entrySet()) {
        byte[] snapshot = snapshotOf(e.getValue());
        try {
          ShardCore restored =
              ShardCore.restore(new ByteArrayInputStream(snapshot), new InMemoryKvStore());
          assertThat(restored.stateDigest()).isEqualTo(e.getValue().stateDigest());
          e.setValue(restored);
        } catch (IOException ex) {
          throw new UncheckedIOException(ex);
        }
      }
    }

    void checkEveryKey() {
      for (int i = 0; i < KEYS; i++) {
        String k = "k" + i;
        read(k);
        int owner = AFTER.shardFor(key(k));
        for (int other : List.of(1, 2, 3)) {
          if (other != owner) {
            ReadResult elsewhere = shards.get(other).read(key(k));
            assertThat(elsewhere.hasNotServed()).as("%s on shard %d", k, other).isTrue();
            assertThat(elsewhere.getNotServed().getOwnerShardId()).isEqualTo(owner);
          }
        }
      }
      long total = shards.values().stream().mapToLong(ShardCore::keyCount).sum();
      assertThat(total).as("after the drops every key is in one shard").isEqualTo(versions.size());
    }

    private static KeyOwnership ring(int self) {
      return KeyOwnership.newBuilder()
          .setShardId(self)
          .addAllRingShardIds(List.of(1, 2, 3))
          .setVirtualNodesPerShard(VNODES)
          .build();
    }
  }
}

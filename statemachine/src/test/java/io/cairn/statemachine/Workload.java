package io.cairn.statemachine;

import com.google.protobuf.ByteString;
import io.cairn.proto.WriteId;
import io.cairn.proto.internal.Command;
import io.cairn.proto.internal.CommandBatch;
import io.cairn.proto.internal.DeleteCommand;
import io.cairn.proto.internal.PutCommand;
import io.cairn.proto.internal.ReadResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Random shard workloads for property tests: batches of puts and deletes over a few keys, with
 * compare-and-set expectations, client sessions, retries, acknowledgements and leader clock jumps
 * past the session idle limit.
 *
 * <p>The generated values are choices, not commands; a {@link Driver} turns them into the same
 * {@link CommandBatch}es for every core it feeds, consulting one core for the current versions so
 * that many compare-and-sets succeed.
 */
final class Workload {
  static final int KEYS = 6;
  private static final long HOUR_MS = 60 * 60 * 1000L;

  private Workload() {}

  /**
   * One command as choices.
   *
   * @param expectation 0 none, 1 "must not exist", 2 the key's current version, 3 some old version
   * @param client 0 none, else the client number
   * @param retry 0 a new write, else re-send the client's retry-th latest write
   * @param ack how far to raise the client's acked_below (0 not at all)
   */
  record Step(
      boolean delete,
      int key,
      int valueBytes,
      int expectation,
      int client,
      int retry,
      int ack,
      int oldVersion) {}

  record Batch(long clockStepMs, int indexStep, List<Step> steps) {}

  static Arbitrary<List<Batch>> batches(int maxBatches) {
    Arbitrary<Step> step =
        Combinators.combine(
                Arbitraries.of(false, false, true),
                Arbitraries.integers().between(0, KEYS - 1),
                Arbitraries.integers().between(0, 40),
                Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, 3),
                Arbitraries.frequencyOf(
                    Tuple.of(2, Arbitraries.just(0)),
                    Tuple.of(1, Arbitraries.integers().between(1, 6))),
                Arbitraries.frequencyOf(
                    Tuple.of(1, Arbitraries.just(0)),
                    Tuple.of(1, Arbitraries.integers().between(1, 3))),
                Arbitraries.integers().between(1, 30))
            .as(Step::new);
    Arbitrary<Long> clockStep =
        Arbitraries.frequencyOf(
            Tuple.of(9, Arbitraries.longs().between(0, 5_000)),
            Tuple.of(1, Arbitraries.longs().between(HOUR_MS - 1_000, 2 * HOUR_MS)));
    Arbitrary<Batch> batch =
        Combinators.combine(
                clockStep,
                Arbitraries.integers().between(1, 3),
                step.list().ofMinSize(1).ofMaxSize(5))
            .as(Batch::new);
    return batch.list().ofMinSize(1).ofMaxSize(maxBatches);
  }

  /** Turns generated batches into log entries, tracking each client's sequences. */
  static final class Driver {
    private final Map<Integer, List<Command>> sentByClient = new HashMap<>();
    private final Map<Integer, Long> ackedBelowByClient = new HashMap<>();
    private long clockMs = 1_700_000_000_000L;
    private long index;

    /** The next entry's log index (gaps stand for entries without commands). */
    long nextIndex(Batch b) {
      index += b.indexStep();
      return index;
    }

    /**
     * The log entry for {@code b}.
     *
     * @param currentState reads a key on the core whose versions guide compare-and-sets
     */
    CommandBatch entry(Batch b, Function<byte[], ReadResult> currentState) {
      clockMs += b.clockStepMs();
      CommandBatch.Builder out = CommandBatch.newBuilder().setProposedAtMs(clockMs);
      for (Step s : b.steps()) {
        out.addCommands(command(s, currentState));
      }
      return out.build();
    }

    private Command command(Step s, Function<byte[], ReadResult> currentState) {
      List<Command> sent = sentByClient.computeIfAbsent(s.client(), c -> new ArrayList<>());
      if (s.client() != 0 && s.retry() > 0 && sent.size() >= s.retry()) {
        return sent.get(sent.size() - s.retry()); // the very same write, sent again
      }
      ByteString key = ByteString.copyFromUtf8("k" + s.key());
      Long expected =
          switch (s.expectation()) {
            case 1 -> 0L;
            case 2 -> currentState.apply(key.toByteArray()).getVersion();
            case 3 -> (long) s.oldVersion();
            default -> null;
          };
      Command.Builder c = Command.newBuilder();
      if (s.delete()) {
        DeleteCommand.Builder d = DeleteCommand.newBuilder().setKey(key);
        if (expected != null) {
          d.setExpectedVersion(expected);
        }
        c.setDelete(d);
      } else {
        PutCommand.Builder p =
            PutCommand.newBuilder()
                .setKey(key)
                .setValue(
                    ByteString.copyFrom(new byte[s.valueBytes()])
                        .concat(ByteString.copyFromUtf8("@" + clockMs)));
        if (expected != null) {
          p.setExpectedVersion(expected);
        }
        c.setPut(p);
      }
      if (s.client() != 0) {
        long sequence = sent.size() + 1L;
        long acked = Math.min(sequence, ackedBelowByClient.getOrDefault(s.client(), 0L) + s.ack());
        ackedBelowByClient.put(s.client(), acked);
        c.setWriteId(
            WriteId.newBuilder()
                .setClientId(ByteString.copyFromUtf8("client-" + s.client()))
                .setSequence(sequence)
                .setAckedBelow(acked));
        Command built = c.build();
        sent.add(built);
        return built;
      }
      return c.build();
    }
  }
}

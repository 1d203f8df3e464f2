package io.cairn.statemachine;

import com.google.protobuf.ByteString;
import io.cairn.proto.WriteId;
import io.cairn.proto.internal.Command;
import io.cairn.proto.internal.CommandBatch;
import io.cairn.proto.internal.DeleteCommand;
import io.cairn.proto.internal.PutCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Random logs of one data shard for {@link ShardCoreModelTest}: entries of puts, deletes and
 * commands without an operation over a few keys (so compare-and-sets and deletes collide), sent by
 * a few clients that retry, resend acknowledged writes and move acked_below up and down; empty
 * entries, entries with no command for the shard, restarts from a snapshot, leader clock jumps past
 * the session idle limit (and back), and floods that push one session past its result cap.
 *
 * <p>The generated values are choices, not commands, so jqwik can shrink them; a {@link Driver}
 * turns them into log entries, asking the model for the keys' current versions so that many
 * compare-and-sets succeed and stale ones are plausible.
 */
final class RandomShardLog {
  private static final long HOUR_MS = 60 * 60 * 1000L;
  private static final long IDLE_MS = ClientSessions.SESSION_IDLE_MS_MAX;

  /** Keys whose unsigned order differs from their signed order (0x7f before 0x80). */
  static final List<ByteString> KEYS =
      List.of(
          ByteString.copyFromUtf8("a"),
          ByteString.copyFromUtf8("ab"),
          ByteString.copyFrom(new byte[] {0x7f}),
          ByteString.copyFrom(new byte[] {(byte) 0x80, 0x01}));

  /**
   * Client ids, again ordered differently signed and unsigned, and where their sequences start: the
   * second client's cross 2^63, where a signed comparison would go wrong.
   */
  private static final List<ByteString> CLIENT_IDS =
      List.of(
          ByteString.copyFromUtf8("c1"),
          ByteString.copyFrom(new byte[] {(byte) 0x80, 'c', '2'}),
          ByteString.copyFrom(new byte[] {(byte) 0xff, 'c', '3'}));

  private static final long[] SEQUENCE_BASES = {0, Long.MAX_VALUE - 2, 0};

  private RandomShardLog() {}

  /** One event of the log, as seen by the replica applying it. */
  sealed interface Event permits Entry, EntryWithoutCommands, Flood, Restart {}

  /** A log entry with these writes (none: an empty batch, which still expires sessions). */
  record Entry(long clockStepMs, int indexStep, List<Write> writes) implements Event {}

  /** A log entry with no command for the shard (a configuration change, a leader's no-op). */
  record EntryWithoutCommands(int indexStep) implements Event {}

  /**
   * An entry in which {@code client} acknowledges all it sent before and sends {@link
   * ClientSessions#RESULTS_PER_SESSION_MAX} new puts and up to three more, so that its session
   * reaches or passes its result cap.
   */
  record Flood(int client, int writesBeyondCap) implements Event {}

  /** The replica restarts from a snapshot of its state, into a fresh store. */
  record Restart() implements Event {}

  enum Op {
    PUT,
    DELETE,
    NONE
  }

  enum Expectation {
    NONE,
    MUST_NOT_EXIST,
    CURRENT_VERSION,
    OLD_VERSION,
    ANY_NUMBER
  }

  enum Writer {
    ANONYMOUS,
    CLIENT,
    EMPTY_CLIENT_ID
  }

  /** What a client sends: a new write, or one it sent before, unchanged. */
  enum Send {
    NEW,
    RECENT_AGAIN,
    OLDEST_UNACKED_AGAIN,
    ACKED_AGAIN
  }

  /** How a new write's acked_below relates to the client's previous one. */
  enum Ack {
    SAME,
    RAISED,
    LOWERED,
    INCLUDING_ITSELF
  }

  /**
   * One command as choices. {@code pick} chooses among candidates (old versions, earlier writes,
   * how far to move acked_below).
   */
  record Write(
      Op op,
      int key,
      Expectation expectation,
      Writer writer,
      int client,
      Send send,
      Ack ack,
      int pick) {}

  /** Logs of up to about {@code eventsMax} events with at least one restart in them. */
  static Arbitrary<List<Event>> logs(int eventsMax) {
    return Combinators.combine(
            event().list().ofMaxSize(eventsMax), event().list().ofMaxSize(eventsMax / 3))
        .as((before, after) -> concat(before, List.of(new Restart()), after));
  }

  /**
   * Logs with one {@link Flood} in them, followed by a restart (a snapshot with a full session).
   * Floods have logs of their own because each costs thousands of commands.
   */
  static Arbitrary<List<Event>> logsWithAFlood(int eventsMax) {
    Arbitrary<Event> flood =
        Combinators.combine(
                Arbitraries.integers().between(0, CLIENT_IDS.size() - 1),
                Arbitraries.integers().between(0, 3))
            .as(Flood::new);
    return Combinators.combine(
            event().list().ofMaxSize(eventsMax), flood, event().list().ofMaxSize(eventsMax / 3))
        .as((before, f, after) -> concat(before, List.of(f, new Restart()), after));
  }

  /** One entry in which {@code client} sends its oldest un-acknowledged write again. */
  static Entry oldestUnackedAgain(int client) {
    return new Entry(
        1,
        1,
        List.of(
            new Write(
                Op.PUT,
                0,
                Expectation.NONE,
                Writer.CLIENT,
                client,
                Send.OLDEST_UNACKED_AGAIN,
                Ack.SAME,
                0)));
  }

  @SafeVarargs
  private static List<Event> concat(List<? extends Event>... parts) {
    return Stream.of(parts).flatMap(List::stream).map(Event.class::cast).toList();
  }

  private static Arbitrary<Event> event() {
    return Arbitraries.frequencyOf(
        Tuple.of(60, entry()),
        Tuple.of(5, Arbitraries.integers().between(1, 3).map(EntryWithoutCommands::new)),
        Tuple.of(3, Arbitraries.just(new Restart())));
  }

  private static Arbitrary<Event> entry() {
    Arbitrary<Long> clockStepMs =
        Arbitraries.frequencyOf(
            Tuple.of(40, Arbitraries.longs().between(0, 5_000)),
            Tuple.of(1, Arbitraries.of(IDLE_MS, IDLE_MS + 1)), // exactly at the limit, just past it
            Tuple.of(1, Arbitraries.longs().between(IDLE_MS, 2 * IDLE_MS)),
            // A new leader whose clock is behind the last one's.
            Tuple.of(1, Arbitraries.longs().between(-2 * HOUR_MS, -1)));
    Arbitrary<List<Write>> writes =
        Arbitraries.frequencyOf(
            Tuple.of(1, Arbitraries.just(List.<Write>of())),
            Tuple.of(12, write().list().ofMinSize(1).ofMaxSize(5)));
    return Combinators.combine(clockStepMs, Arbitraries.integers().between(1, 3), writes)
        .as(Entry::new);
  }

  private static Arbitrary<Write> write() {
    return Combinators.combine(
            Arbitraries.frequency(
                Tuple.of(5, Op.PUT), Tuple.of(3, Op.DELETE), Tuple.of(1, Op.NONE)),
            Arbitraries.integers().between(0, KEYS.size() - 1),
            Arbitraries.frequency(
                Tuple.of(4, Expectation.NONE),
                Tuple.of(2, Expectation.MUST_NOT_EXIST),
                Tuple.of(4, Expectation.CURRENT_VERSION),
                Tuple.of(2, Expectation.OLD_VERSION),
                Tuple.of(1, Expectation.ANY_NUMBER)),
            Arbitraries.frequency(
                Tuple.of(3, Writer.ANONYMOUS),
                Tuple.of(8, Writer.CLIENT),
                Tuple.of(1, Writer.EMPTY_CLIENT_ID)),
            Arbitraries.integers().between(0, CLIENT_IDS.size() - 1),
            Arbitraries.frequency(
                Tuple.of(8, Send.NEW), Tuple.of(3, Send.RECENT_AGAIN),
                Tuple.of(1, Send.OLDEST_UNACKED_AGAIN), Tuple.of(1, Send.ACKED_AGAIN)),
            Arbitraries.frequency(
                Tuple.of(5, Ack.SAME),
                Tuple.of(5, Ack.RAISED),
                Tuple.of(1, Ack.LOWERED),
                Tuple.of(1, Ack.INCLUDING_ITSELF)),
            Arbitraries.integers().between(0, 20))
        .as(Write::new);
  }

  /**
   * Turns events into log entries, with rising indexes and a leader clock, remembering what each
   * client sent. One driver per run: it is stateful.
   */
  static final class Driver {
    private final ToLongFunction<ByteString> currentVersion;
    private final List<ClientLog> clients = new ArrayList<>();
    private final List<TreeSet<Long>> versionsSeen = new ArrayList<>(); // by key
    private final List<Boolean> resentFromAnEarlierEntry = new ArrayList<>();
    private long clockMs = 1_700_000_000_000L;
    private long index;
    private long valuesWritten;

    /** What one client sent, and how far it has acknowledged. */
    private static final class ClientLog {
      final ByteString id;
      final long sequenceBase; // write n (from 1) has sequence base + n
      final List<Command> sent = new ArrayList<>();
      long ackedBelow; // relative to the base: writes below this number are acknowledged
      int sentBeforeThisEntry;

      ClientLog(ByteString id, long sequenceBase) {
        this.id = id;
        this.sequenceBase = sequenceBase;
      }
    }

    /**
     * @param currentVersion a key's version now (0 if absent), from the model
     */
    Driver(ToLongFunction<ByteString> currentVersion) {
      this.currentVersion = currentVersion;
      for (int c = 0; c < CLIENT_IDS.size(); c++) {
        clients.add(new ClientLog(CLIENT_IDS.get(c), SEQUENCE_BASES[c]));
      }
      for (int k = 0; k < KEYS.size(); k++) {
        versionsSeen.add(new TreeSet<>());
      }
    }

    /** Moves to the index of the next entry and returns it. */
    long nextIndex(int step) {
      index += step;
      return index;
    }

    /** The entry {@code e} stands for; call {@link #nextIndex} for it first. */
    CommandBatch entry(Entry e) {
      clockMs += e.clockStepMs();
      rememberVersions();
      resentFromAnEarlierEntry.clear();
      clients.forEach(c -> c.sentBeforeThisEntry = c.sent.size());
      CommandBatch.Builder out = CommandBatch.newBuilder().setProposedAtMs(clockMs);
      for (Write w : e.writes()) {
        out.addCommands(command(w));
      }
      return out.build();
    }

    /**
     * For each command of the last {@link #entry}: whether it is a write its client sent in an
     * earlier entry (a resend within one entry is answered like the original, not from before).
     */
    List<Boolean> resentFromAnEarlierEntry() {
      return List.copyOf(resentFromAnEarlierEntry);
    }

    /** The entry {@code f} stands for; call {@link #nextIndex} for it first. */
    CommandBatch flood(Flood f) {
      clockMs += 1;
      ClientLog client = clients.get(f.client());
      // Everything sent before is acknowledged, so the session holds exactly the flood's results
      // and the oldest un-acknowledged write is the flood's first.
      client.ackedBelow = client.sent.size() + 1L;
      int writes = ClientSessions.RESULTS_PER_SESSION_MAX + f.writesBeyondCap();
      CommandBatch.Builder out = CommandBatch.newBuilder().setProposedAtMs(clockMs);
      for (int i = 0; i < writes; i++) {
        Command put =
            Command.newBuilder()
                .setPut(
                    PutCommand.newBuilder().setKey(KEYS.get(i % KEYS.size())).setValue(nextValue()))
                .build();
        out.addCommands(newWrite(client, put, client.ackedBelow));
      }
      return out.build();
    }

    private void rememberVersions() {
      for (int k = 0; k < KEYS.size(); k++) {
        long v = currentVersion.applyAsLong(KEYS.get(k));
        if (v != 0) {
          versionsSeen.get(k).add(v);
        }
      }
    }

    private Command command(Write w) {
      if (w.writer() == Writer.CLIENT) {
        return fromClient(clients.get(w.client()), w);
      }
      resentFromAnEarlierEntry.add(false);
      Command c = operation(w);
      return w.writer() == Writer.ANONYMOUS
          ? c
          : c.toBuilder().setWriteId(WriteId.newBuilder().setSequence(1 + w.pick())).build();
    }

    private Command fromClient(ClientLog client, Write w) {
      int earlier = earlierWrite(client, w);
      if (earlier >= 0) {
        resentFromAnEarlierEntry.add(earlier < client.sentBeforeThisEntry);
        return client.sent.get(earlier); // the very same write, sent again
      }
      resentFromAnEarlierEntry.add(false);
      long number = client.sent.size() + 1L;
      long ackedBelow =
          switch (w.ack()) {
            case SAME -> client.ackedBelow;
            case RAISED -> Math.min(client.ackedBelow + 1 + w.pick() % 3, number);
            case LOWERED -> Math.max(0, client.ackedBelow - 1 - w.pick() % 3);
            case INCLUDING_ITSELF -> number + 1;
          };
      // A lowered acked_below is what this write carries; the client's own mark never falls.
      client.ackedBelow = Math.max(client.ackedBelow, ackedBelow);
      return newWrite(client, operation(w), ackedBelow);
    }

    /** Where in the client's sent writes the one to send again is; -1 for a new write. */
    private static int earlierWrite(ClientLog client, Write w) {
      int sent = client.sent.size();
      long acked = client.ackedBelow; // writes 1 .. acked - 1 are acknowledged
      return switch (w.send()) {
        case NEW -> -1;
        case RECENT_AGAIN -> sent == 0 ? -1 : sent - 1 - w.pick() % Math.min(4, sent);
        case OLDEST_UNACKED_AGAIN -> Math.max(acked, 1) <= sent ? (int) Math.max(acked, 1) - 1 : -1;
        case ACKED_AGAIN -> acked > 1 ? w.pick() % (int) (acked - 1) : -1;
      };
    }

    private Command newWrite(ClientLog client, Command operation, long ackedBelow) {
      long number = client.sent.size() + 1L;
      Command c =
          operation.toBuilder()
              .setWriteId(
                  WriteId.newBuilder()
                      .setClientId(client.id)
                      .setSequence(client.sequenceBase + number)
                      .setAckedBelow(client.sequenceBase + ackedBelow))
              .build();
      client.sent.add(c);
      return c;
    }

    private Command operation(Write w) {
      ByteString key = KEYS.get(w.key());
      Long expected =
          switch (w.expectation()) {
            case NONE -> null;
            case MUST_NOT_EXIST -> 0L;
            case CURRENT_VERSION -> currentVersion.applyAsLong(key);
            case OLD_VERSION -> oldVersion(w.key(), w.pick());
            // A small number, at most one past this entry's index (a version no key has yet).
            case ANY_NUMBER -> (long) w.pick() % (index + 2);
          };
      return switch (w.op()) {
        case PUT -> {
          PutCommand.Builder p = PutCommand.newBuilder().setKey(key).setValue(nextValue());
          if (expected != null) {
            p.setExpectedVersion(expected);
          }
          yield Command.newBuilder().setPut(p).build();
        }
        case DELETE -> {
          DeleteCommand.Builder d = DeleteCommand.newBuilder().setKey(key);
          if (expected != null) {
            d.setExpectedVersion(expected);
          }
          yield Command.newBuilder().setDelete(d).build();
        }
        case NONE -> Command.getDefaultInstance();
      };
    }

    /** A version the key had before, not its current one; 1 + pick if it had none. */
    private long oldVersion(int key, int pick) {
      long current = currentVersion.applyAsLong(KEYS.get(key));
      List<Long> old = versionsSeen.get(key).stream().filter(v -> v != current).toList();
      return old.isEmpty() ? 1 + pick : old.get(pick % old.size());
    }

    /** Values differ (but one in eight is empty), so a value under the wrong key shows. */
    private ByteString nextValue() {
      valuesWritten++;
      return valuesWritten % 8 == 0
          ? ByteString.EMPTY
          : ByteString.copyFromUtf8("v" + valuesWritten);
    }
  }
}

package io.cairn.node.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.node.testing.LocalCluster;
import io.cairn.proto.DeleteRequest;
import io.cairn.proto.GetRequest;
import io.cairn.proto.KvGrpc;
import io.cairn.proto.PutRequest;
import io.cairn.proto.WriteId;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Fuzzes the public Kv API of a real in-process cluster (3 nodes, 2 shards, real gRPC ports) with
 * jqwik: requests with any field values, and any bytes in place of a request. Every answer must be
 * OK or a precise status with a description (never UNKNOWN or INTERNAL, which would mean a bug the
 * caller can do nothing about); a write refused as invalid, mismatched or stale must change
 * nothing; the nodes must stay up and their replicas agree at the end.
 *
 * <p>Bounded here (jqwik.tries.default in junit-platform.properties: a few hundred tries per
 * property); {@code -Djqwik.tries.default=N} for a longer run (docs/security.md records one).
 */
class PublicApiFuzzTest {
  private static final int KEY_MAX = 64;
  private static final int VALUE_MAX = 1024;
  private static final int SHARDS = 2;

  /** What a caller may be told: each says what happened and whether to retry. */
  private static final Set<Status.Code> PRECISE =
      EnumSet.of(
          Status.Code.OK,
          Status.Code.INVALID_ARGUMENT,
          Status.Code.FAILED_PRECONDITION,
          Status.Code.ABORTED,
          Status.Code.RESOURCE_EXHAUSTED,
          Status.Code.DEADLINE_EXCEEDED,
          Status.Code.UNAVAILABLE);

  /** Answers that prove a write was not applied. */
  private static final Set<Status.Code> NOT_APPLIED =
      EnumSet.of(
          Status.Code.INVALID_ARGUMENT,
          Status.Code.FAILED_PRECONDITION,
          Status.Code.ABORTED,
          Status.Code.RESOURCE_EXHAUSTED);

  private static LocalCluster cluster;
  private static final AtomicLong tryNumber = new AtomicLong();

  @BeforeContainer
  static void start() {
    cluster =
        LocalCluster.builder()
            .nodes(3)
            .shards(SHARDS)
            .config("limits.key-bytes-max", String.valueOf(KEY_MAX))
            .config("limits.value-bytes-max", String.valueOf(VALUE_MAX))
            // A SESSION read ahead of every replica waits this long before it is refused.
            .config("read.session-wait-ms-max", "20")
            .start();
    cluster.awaitLeaders();
  }

  @AfterContainer
  static void stop() {
    try {
      for (int i = 1; i <= cluster.size(); i++) {
        assertThat(cluster.isRunning(i)).as("n" + i + " still runs").isTrue();
        assertThat(cluster.halted(i)).as("n" + i + " did not halt").isEmpty();
      }
      cluster.assertReplicasAgree();
    } finally {
      cluster.close();
    }
  }

  /** One fuzzed call: which node it goes to and the request (a Put, Get or Delete). */
  record Call(int node, Object request, String uniqueKey) {}

  @Property
  void anyFieldValuesGetAPreciseAnswerAndARefusedWriteChangesNothing(@ForAll("calls") Call c) {
    Status status = send(c);
    assertPrecise(status, c.request());
    if (c.request() instanceof PutRequest && c.uniqueKey() != null) {
      boolean found = storedAnywhere(c.uniqueKey());
      if (NOT_APPLIED.contains(status.getCode())) {
        assertThat(found).as("a refused put (%s) stored its key", status).isFalse();
      } else if (status.isOk()) {
        assertThat(found).as("an acknowledged put is stored").isTrue();
      }
    }
  }

  @Property
  void anyBytesInPlaceOfARequestGetAPreciseAnswer(
      @ForAll("bodies") byte[] body, @ForAll("methods") String method, @ForAll("nodes") int node) {
    Status status = sendRaw(node, method, body);
    assertPrecise(status, method + " with " + body.length + " bytes");
  }

  private static void assertPrecise(Status status, Object what) {
    assertThat(status.getCode()).as("answer to %s: %s", what, status).isIn(PRECISE);
    if (!status.isOk()) {
      assertThat(status.getDescription()).as("a refusal says why: %s", status).isNotBlank();
    }
  }

  private static Status send(Call c) {
    KvGrpc.KvBlockingStub kv = cluster.kv(c.node()).withDeadlineAfter(10, TimeUnit.SECONDS);
    try {
      if (c.request() instanceof PutRequest p) {
        kv.put(p);
      } else if (c.request() instanceof GetRequest g) {
        kv.get(g);
      } else {
        kv.delete((DeleteRequest) c.request());
      }
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
  }

  /**
   * Whether any replica holds {@code key}, read from the replicas' stores (a key over the limit
   * cannot be asked for through the API). An acknowledged put has been applied by its leader, and a
   * refused one never reached a log, so no wait is needed either way.
   */
  private static boolean storedAnywhere(String key) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    for (int node = 1; node <= cluster.size(); node++) {
      for (int shard = 1; shard <= SHARDS; shard++) {
        if (cluster.replicasOf(shard).contains(node)
            && cluster.replica(node, shard).core().read(k).getFound()) {
          return true;
        }
      }
    }
    return false;
  }

  private static Status sendRaw(int node, String method, byte[] body) {
    return RawCalls.call(
        cluster.kv(node).getChannel(),
        MethodDescriptor.generateFullMethodName("cairn.v1.Kv", method),
        body);
  }

  @Provide
  Arbitrary<Call> calls() {
    Arbitrary<Integer> node = nodes();
    Arbitrary<Integer> keyLength =
        Arbitraries.<Integer>frequencyOf(
            tuple(1, Arbitraries.just(0)),
            tuple(4, Arbitraries.integers().between(1, 30)),
            tuple(2, Arbitraries.of(KEY_MAX - 1, KEY_MAX, KEY_MAX + 1)),
            tuple(1, Arbitraries.integers().between(KEY_MAX + 2, 5_000)));
    Arbitrary<byte[]> value =
        Arbitraries.<byte[]>frequencyOf(
            tuple(1, Arbitraries.just(new byte[0])),
            tuple(4, Arbitraries.bytes().array(byte[].class).ofMaxSize(40)),
            tuple(
                2,
                Arbitraries.of(VALUE_MAX - 1, VALUE_MAX, VALUE_MAX + 1, 100_000).map(byte[]::new)));
    Arbitrary<Long> version =
        Arbitraries.<Long>frequencyOf(
            tuple(3, Arbitraries.just(-1L)), // absent
            tuple(1, Arbitraries.just(0L)),
            tuple(2, Arbitraries.longs().between(1, 50)),
            tuple(1, Arbitraries.longs()));
    Arbitrary<WriteId> writeId =
        Arbitraries.<WriteId>frequencyOf(
            tuple(3, Arbitraries.just(WriteId.getDefaultInstance())),
            tuple(
                2,
                Combinators.<byte[], Long, Long>combine(
                        Arbitraries.bytes().array(byte[].class).ofMaxSize(40),
                        Arbitraries.longs(),
                        Arbitraries.longs())
                    .<WriteId>as(
                        (id, seq, acked) ->
                            WriteId.newBuilder()
                                .setClientId(ByteString.copyFrom(id))
                                .setSequence(seq)
                                .setAckedBelow(acked)
                                .build())));
    Arbitrary<Integer> kind = Arbitraries.integers().between(0, 2);
    Arbitrary<Integer> consistency = Arbitraries.integers().between(-2, 5);
    Arbitrary<Long> minIndex =
        Arbitraries.<Long>frequencyOf(
            tuple(3, Arbitraries.just(0L)),
            tuple(1, Arbitraries.longs().between(1, 1_000)),
            tuple(1, Arbitraries.longs()));
    return Combinators.combine(
            node, keyLength, value, version, writeId, kind, consistency, minIndex)
        .as(
            (n, len, val, ver, id, k, cons, min) -> {
              String unique = uniqueKey(len);
              ByteString key =
                  unique != null
                      ? ByteString.copyFrom(unique, StandardCharsets.UTF_8)
                      : ByteString.copyFrom(new byte[len]);
              Object request =
                  switch (k) {
                    case 0 -> {
                      PutRequest.Builder b =
                          PutRequest.newBuilder()
                              .setKey(key)
                              .setValue(ByteString.copyFrom(val))
                              .setWriteId(id);
                      if (ver >= 0) {
                        b.setExpectedVersion(ver);
                      }
                      yield b.build();
                    }
                    case 1 ->
                        GetRequest.newBuilder()
                            .setKey(key)
                            .setConsistencyValue(cons)
                            .setMinIndex(min)
                            .build();
                    default -> {
                      DeleteRequest.Builder b =
                          DeleteRequest.newBuilder().setKey(key).setWriteId(id);
                      if (ver >= 0) {
                        b.setExpectedVersion(ver);
                      }
                      yield b.build();
                    }
                  };
              // A write id the fuzzer chose may repeat another try's, and then be answered with
              // that try's result: the exactly-once contract, not a state change to check.
              boolean checkable = unique != null && id.getClientId().isEmpty();
              return new Call(n, request, checkable ? unique : null);
            });
  }

  /** A key of exactly {@code length} bytes no other try uses, or null when too short for one. */
  private static String uniqueKey(int length) {
    String prefix = "fz/" + tryNumber.incrementAndGet() + "/";
    if (length < prefix.length()) {
      return null;
    }
    return prefix + "x".repeat(length - prefix.length());
  }

  @Provide
  Arbitrary<byte[]> bodies() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
  }

  @Provide
  Arbitrary<String> methods() {
    return Arbitraries.of("Put", "Get", "Delete");
  }

  @Provide
  Arbitrary<Integer> nodes() {
    return Arbitraries.integers().between(1, 3);
  }

  private static <T> net.jqwik.api.Tuple.Tuple2<Integer, Arbitrary<? extends T>> tuple(
      int weight, Arbitrary<? extends T> a) {
    return net.jqwik.api.Tuple.of(weight, a);
  }
}

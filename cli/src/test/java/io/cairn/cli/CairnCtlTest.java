package io.cairn.cli;

import static io.cairn.cli.CairnCtlRunner.versionIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cairn.cli.CairnCtlRunner.Run;
import io.cairn.client.FakeCluster;
import io.cairn.client.FakeCluster.Fault;
import io.cairn.proto.Consistency;
import io.cairn.proto.ErrorDetail;
import io.cairn.proto.GetRequest;
import io.cairn.proto.PutRequest;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * cairnctl run in-process against the fake cluster: output, stderr and exit code of each command.
 */
class CairnCtlTest {
  private final FakeCluster cluster = new FakeCluster(3, 4, 3);
  private final CairnCtlRunner runner = new CairnCtlRunner(cluster);

  @AfterEach
  void tearDown() {
    cluster.close();
  }

  private Run cairnctl(String... args) {
    return runner.run(args);
  }

  private Run execute(String... args) {
    return runner.execute(args);
  }

  @Test
  void putPrintsOkAndTheNewVersion() {
    Run put = cairnctl("put", "greeting", "hello");
    assertThat(put.code()).isZero();
    assertThat(put.out()).matches("OK version=\\d+\\R");
    assertThat(put.err()).isEmpty();
    assertThat(cluster.received(PutRequest.class))
        .singleElement()
        .satisfies(p -> assertThat(p.getValue().toStringUtf8()).isEqualTo("hello"));
  }

  @Test
  void getWritesExactlyTheValueAndShowsTheVersionOnStderr() {
    long version = versionIn(cairnctl("put", "greeting", "hello world").out());
    Run get = cairnctl("get", "greeting");
    assertThat(get.code()).isZero();
    assertThat(get.out()).isEqualTo("hello world"); // no newline added
    assertThat(get.err()).isEmpty();
    Run withVersion = cairnctl("get", "greeting", "--show-version");
    assertThat(withVersion.out()).isEqualTo("hello world");
    assertThat(withVersion.errLines()).containsExactly("version=" + version);
  }

  @Test
  void getOfAMissingKeyExitsWithOne() {
    Run get = cairnctl("get", "nothing-here");
    assertThat(get.code()).isEqualTo(1);
    assertThat(get.out()).isEmpty();
    assertThat(get.errLines()).containsExactly("cairnctl: get: key 'nothing-here' not found");
  }

  @Test
  void getSendsTheChosenConsistency() {
    cairnctl("put", "k", "v");
    assertThat(cairnctl("get", "k", "--consistency", "session").code()).isZero();
    assertThat(cairnctl("get", "k", "--consistency", "EVENTUAL").code()).isZero();
    assertThat(cairnctl("get", "k").code()).isZero();
    assertThat(cluster.received(GetRequest.class))
        .extracting(GetRequest::getConsistency)
        .containsExactly(Consistency.SESSION, Consistency.EVENTUAL, Consistency.LINEARIZABLE);
  }

  @Test
  void casSucceedsOnTheCurrentVersionAndExitsWithThreeOtherwise() {
    long v1 = versionIn(cairnctl("put", "k", "a").out());
    Run ok = cairnctl("cas", "k", String.valueOf(v1), "b");
    assertThat(ok.code()).isZero();
    long v2 = versionIn(ok.out());
    assertThat(v2).isGreaterThan(v1);

    Run stale = cairnctl("cas", "k", String.valueOf(v1), "c");
    assertThat(stale.code()).isEqualTo(3);
    assertThat(stale.out()).isEmpty();
    assertThat(stale.errLines())
        .singleElement()
        .asString()
        .startsWith("cairnctl: cas: version mismatch")
        .endsWith("[current version=" + v2 + "]");
    assertThat(cairnctl("get", "k").out()).isEqualTo("b");
  }

  @Test
  void aFailedCasOrConditionalDeleteNamesItsOwnCommandNotTheRpc() {
    Run casOnAbsentKey = cairnctl("cas", "k", "3", "x");
    assertThat(casOnAbsentKey.code()).isEqualTo(3);
    assertThat(casOnAbsentKey.errLines())
        .containsExactly(
            "cairnctl: cas: version mismatch [current version=0, the key does not exist]");

    cairnctl("put", "k", "a");
    Run delete = cairnctl("delete", "k", "--expect-version", "1");
    assertThat(delete.code()).isEqualTo(3);
    assertThat(delete.errLines())
        .singleElement()
        .asString()
        .startsWith("cairnctl: delete: version mismatch");

    cluster.failEveryRequest(
        Fault.of(Status.UNAVAILABLE.withDescription("put: shard 2 has no quorum; retry")));
    Run unavailable = cairnctl("--timeout-ms", "200", "cas", "k", "0", "x");
    assertThat(unavailable.code()).isEqualTo(4);
    assertThat(unavailable.errLines())
        .singleElement()
        .asString()
        .startsWith("cairnctl: cas: shard 2 has no quorum; retry (gave up after");
  }

  @Test
  void putAndDeleteWithAnExpectedVersion() {
    Run absent = cairnctl("put", "k", "a", "--expect-version", "0");
    assertThat(absent.code()).isZero();
    Run again = cairnctl("put", "k", "b", "--expect-version", "0");
    assertThat(again.code()).isEqualTo(3);
    assertThat(again.err()).contains("current version=" + versionIn(absent.out()));

    Run wrongDelete = cairnctl("delete", "k", "--expect-version", "1");
    assertThat(wrongDelete.code()).isEqualTo(3);
    Run delete =
        cairnctl("delete", "k", "--expect-version", String.valueOf(versionIn(absent.out())));
    assertThat(delete.code()).isZero();
    assertThat(delete.out()).matches("OK existed=true index=\\d+\\R");
    assertThat(cairnctl("delete", "k").out()).startsWith("OK existed=false");
    assertThat(cairnctl("cas", "gone", "5", "x").err())
        .contains("[current version=0, the key does not exist]");
  }

  @Test
  void usageErrorsExitWithTwo() {
    assertThat(cairnctl("put", "only-a-key").code()).isEqualTo(2);
    assertThat(cairnctl("frobnicate").code()).isEqualTo(2);
    assertThat(cairnctl("get", "k", "--consistency", "strong").code()).isEqualTo(2);
    assertThat(cairnctl("put", "k", "v", "--expect-version", "-3").code()).isEqualTo(2);
    assertThat(cairnctl("cas", "k", "seven", "v").code()).isEqualTo(2);
    assertThat(cairnctl().code()).isEqualTo(2);
    Run badEndpoint = execute("--endpoints", "nohost", "get", "k");
    assertThat(badEndpoint.code()).isEqualTo(2);
    assertThat(badEndpoint.errLines())
        .singleElement()
        .asString()
        .startsWith("cairnctl: get: ")
        .contains("'nohost' is not host:port")
        .endsWith("(see 'cairnctl get --help')");
    Run badOutput = cairnctl("map", "-o", "yaml");
    assertThat(badOutput.code()).isEqualTo(2);
    assertThat(badOutput.errLines()).singleElement().asString().contains("yaml");
    assertThat(cluster.received()).isEmpty();
  }

  @Test
  void anUnavailableClusterExitsWithFourAndOneLine() {
    cluster.failEveryRequest(
        Fault.of(Status.UNAVAILABLE.withDescription("put: shard 2 has no quorum; retry")));
    Run put = cairnctl("--timeout-ms", "200", "put", "k", "v");
    assertThat(put.code()).isEqualTo(4);
    assertThat(put.errLines())
        .singleElement()
        .asString()
        .startsWith("cairnctl: put: shard 2 has no quorum; retry (gave up after");
  }

  @Test
  void aTimeoutExitsWithFour() {
    cluster.failEveryRequest(Fault.hanging());
    Run get = cairnctl("--timeout-ms", "150", "get", "k");
    assertThat(get.code()).isEqualTo(4);
    assertThat(get.errLines()).singleElement().asString().startsWith("cairnctl: get:");
  }

  @Test
  void otherErrorsExitWithFive() {
    cluster.failNext(1, Fault.of(Status.INTERNAL.withDescription("get: disk on fire")));
    Run internal = cairnctl("get", "k");
    assertThat(internal.code()).isEqualTo(5);
    assertThat(internal.errLines()).containsExactly("cairnctl: get: disk on fire [INTERNAL]");

    cluster.failNext(
        1,
        Fault.of(
            Status.INVALID_ARGUMENT.withDescription("put: key is 5000 bytes; the limit is 4096"),
            ErrorDetail.newBuilder().setReason(ErrorDetail.Reason.KEY_INVALID).build()));
    Run invalid = cairnctl("put", "k", "v");
    assertThat(invalid.code()).isEqualTo(5);
    assertThat(invalid.err()).contains("the limit is 4096 [INVALID_ARGUMENT]");
  }

  @Test
  void globalOptionsAlsoWorkAfterTheSubcommand() {
    Run put =
        execute(
            "put",
            "k",
            "v",
            "--endpoints",
            String.join(",", cluster.endpoints()),
            "--timeout-ms",
            "5000");
    assertThat(put.code()).isZero();
    assertThat(cluster.received(PutRequest.class)).hasSize(1);
  }

  @Test
  void endpointsDefaultToTheLocalThreeNodeCluster() {
    assumeTrue(
        System.getenv("CAIRN_ENDPOINTS") == null, "CAIRN_ENDPOINTS is set in this environment");
    CommandLine cl =
        CairnCtl.commandLine(
            cluster.channelFactory(),
            new StdStreams(
                new ByteArrayInputStream(new byte[0]),
                new ByteArrayOutputStream(),
                new ByteArrayOutputStream()));
    cl.parseArgs("get", "k");
    CairnCtl ctl = cl.getCommand();
    assertThat(ctl.endpoints).containsExactly("127.0.0.1:7001", "127.0.0.2:7001", "127.0.0.3:7001");
    assertThat(ctl.timeoutMs).isEqualTo(10_000);
    assertThat(ctl.output).isEqualTo(OutputFormat.TEXT);
  }

  @Test
  void mapPrintsNodesShardsReplicasAndLeaders() {
    Run map = cairnctl("map");
    assertThat(map.code()).isZero();
    assertThat(map.out())
        .contains("cluster " + cluster.map().getClusterId())
        .contains("epoch 1")
        .contains("NODE  HOST  CLIENT_PORT  RAFT_PORT  HTTP_PORT  PEER_PORT  CLIENT_HOST")
        .containsPattern("n2 +n2 +7001 +7000 +7002")
        .containsPattern("(?m)^SHARD +LEADER +REPLICAS +GROUP");
    for (int shard = 1; shard <= 4; shard++) {
      assertThat(map.out())
          .containsPattern(
              "(?m)^"
                  + shard
                  + " +"
                  + cluster.leaderOf(shard)
                  + " +"
                  + String.join(",", cluster.map().getShards(shard - 1).getReplicasList())
                  + " ");
    }
    assertThat(map.out()).containsPattern("(?m)^meta +- +n1,n2,n3");
  }

  @Test
  void everythingPrintedIsFlushedBeforeTheExitCodeIsReturned() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    // The writers commandLine() puts over the streams buffer: nothing reaches them until a flush.
    CommandLine cl =
        CairnCtl.commandLine(
            cluster.channelFactory(),
            new StdStreams(new ByteArrayInputStream(new byte[0]), out, err));
    int code = CairnCtl.execute(cl, "--endpoints", String.join(",", cluster.endpoints()), "map");
    assertThat(code).isZero();
    assertThat(out.toString()).contains("SHARD  LEADER");
  }

  @Test
  void statusPrintsEveryReplicaAndExitsZeroWhenEveryNodeAnswers() {
    Run status = cairnctl("status");
    assertThat(status.code()).isZero();
    assertThat(status.err()).isEmpty();
    assertThat(status.out())
        .containsPattern("(?m)^NODE +MAP_EPOCH +UPTIME_S +REPLICAS")
        .containsPattern("(?m)^n1 +1 +61 +4$")
        .containsPattern("(?m)^n1 +1 +LEADER +n1 +3 ")
        .containsPattern("(?m)^n2 +1 +FOLLOWER +n1 +3 ")
        .containsPattern("(?m)^n3 +1 +61 +4$");
  }

  @Test
  void statusExitsWithFourAndOneLinePerUnreachableNode() {
    cluster.stop("n3");
    Run status = cairnctl("--endpoints", "n1:7001", "status");
    assertThat(status.code()).isEqualTo(4);
    assertThat(status.out())
        .containsPattern("(?m)^n1 +1 +LEADER +n1 +3 ")
        .doesNotContainPattern("(?m)^n3 ");
    assertThat(status.errLines())
        .containsExactly("cairnctl: status: n3 n3:7001 unreachable: connection refused");
  }

  @Test
  void statusReducesANodesStackTraceReasonToOneLine() {
    // What a real node sends: io.grpc.Status#toString() of the failed peer call, with the
    // cause's stack trace (the Java stack trace the issue saw).
    Throwable refused = new java.net.ConnectException("Connection refused: /127.0.0.3:7000");
    cluster.stop(
        "n3", Status.UNAVAILABLE.withDescription("io exception").withCause(refused).toString());
    cluster.stop(
        "n2", Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded after 1.99s").toString());
    Run status = cairnctl("--endpoints", "n1:7001", "status");
    assertThat(status.code()).isEqualTo(4);
    assertThat(status.errLines())
        .containsExactly(
            "cairnctl: status: n2 n2:7001 unreachable: DEADLINE_EXCEEDED: deadline exceeded after 1.99s",
            "cairnctl: status: n3 n3:7001 unreachable: UNAVAILABLE: io exception: Connection refused: /127.0.0.3:7000");
    assertThat(status.out() + status.err()).doesNotContain("\tat ").doesNotContain("Exception");
  }

  @Test
  void helpDocumentsEveryExitCode() {
    Run help = execute("--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("Exit codes:");
    for (String meaning :
        List.of(
            "ok",
            "key not found",
            "usage error",
            "version mismatch",
            "unavailable or timed out",
            "other error")) {
      assertThat(help.out()).containsPattern("(?m)^\\s+\\d\\s+" + meaning);
    }
    assertThat(help.out()).contains("put", "get", "delete", "cas", "map", "status", "bench");
  }

  @Test
  void benchRunsAgainstTheClusterAndPrintsTheSummaryLine() {
    Run bench =
        cairnctl(
            "bench",
            "--duration-s",
            "0.3",
            "--warmup-s",
            "0.1",
            "--clients",
            "4",
            "--keys",
            "50",
            "--workload",
            "mix",
            "--read-ratio",
            "0.5",
            "--preload",
            "--value-bytes",
            "32",
            "--consistency",
            "session",
            "--client-instances",
            "2");
    assertThat(bench.code()).as(bench.err()).isZero();
    assertThat(bench.out())
        .contains("preload     50 keys in")
        .contains("throughput")
        .contains("latency ms  p50");
    Matcher line =
        Pattern.compile(
                "(?m)^BENCH workload=mix clients=4 consistency=session keys=50 value_bytes=32 "
                    + "duration_s=0.3 ops=(\\d+) errors=0 ops_per_s=[\\d.]+ p50_ms=[\\d.]+ p99_ms=[\\d.]+ p999_ms=[\\d.]+ "
                    + "max_ms=[\\d.]+$")
            .matcher(bench.out());
    assertThat(line.find()).as(bench.out()).isTrue();
    assertThat(Long.parseLong(line.group(1))).isPositive();
    assertThat(cluster.received(GetRequest.class))
        .isNotEmpty()
        .allSatisfy(g -> assertThat(g.getConsistency()).isEqualTo(Consistency.SESSION));
    assertThat(
            cluster.received(PutRequest.class).stream()
                .map(p -> p.getKey().toStringUtf8())
                .distinct())
        .hasSize(50)
        .allSatisfy(k -> assertThat(k).matches("k\\d{15}"));
  }

  @Test
  void benchRejectsAnImpossiblePlanAsAUsageError() {
    Run bench = cairnctl("bench", "--keys", "1000", "--key-bytes", "3");
    assertThat(bench.code()).isEqualTo(2);
    assertThat(bench.err()).contains("--key-bytes is 3; 1000 keys need 4..4096");
  }
}

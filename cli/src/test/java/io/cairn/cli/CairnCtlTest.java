package io.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cairn.client.FakeCluster;
import io.cairn.client.FakeCluster.Fault;
import io.cairn.proto.Consistency;
import io.cairn.proto.ErrorDetail;
import io.cairn.proto.GetRequest;
import io.cairn.proto.PutRequest;
import io.grpc.Status;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** cairnctl run in-process against the fake cluster: output, stderr and exit code of each command. */
class CairnCtlTest {
  private final FakeCluster cluster = new FakeCluster(3, 4, 3);

  private record Run(int code, String out, String err) {
    List<String> errLines() {
      return err.lines().toList();
    }
  }

  @AfterEach
  void tearDown() {
    cluster.close();
  }

  private Run cairnctl(String... args) {
    List<String> all = new ArrayList<>(List.of("--endpoints", String.join(",", cluster.endpoints())));
    all.addAll(List.of(args));
    return execute(all.toArray(String[]::new));
  }

  private Run execute(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = CairnCtl.commandLine(cluster.channelFactory());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = CairnCtl.execute(cl, args);
    return new Run(code, out.toString(), err.toString());
  }

  private static long versionIn(String text) {
    Matcher m = Pattern.compile("version=(\\d+)").matcher(text);
    assertThat(m.find()).as("a version in %s", text).isTrue();
    return Long.parseLong(m.group(1));
  }

  @Test
  void putPrintsOkAndTheNewVersion() {
    Run put = cairnctl("put", "greeting", "hello");
    assertThat(put.code()).isZero();
    assertThat(put.out()).matches("OK version=\\d+\\R");
    assertThat(put.err()).isEmpty();
    assertThat(cluster.received(PutRequest.class)).singleElement()
        .satisfies(p -> assertThat(p.getValue().toStringUtf8()).isEqualTo("hello"));
  }

  @Test
  void getPrintsTheRawValueAndOptionallyTheVersion() {
    long version = versionIn(cairnctl("put", "greeting", "hello world").out());
    Run get = cairnctl("get", "greeting");
    assertThat(get.code()).isZero();
    assertThat(get.out()).isEqualTo("hello world" + System.lineSeparator());
    Run withVersion = cairnctl("get", "greeting", "--show-version");
    assertThat(withVersion.out().lines()).containsExactly("hello world", "version=" + version);
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
    assertThat(cluster.received(GetRequest.class)).extracting(GetRequest::getConsistency)
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
    assertThat(stale.errLines()).singleElement().asString()
        .startsWith("cairnctl: put:").endsWith("[current version=" + v2 + "]");
    assertThat(cairnctl("get", "k").out()).startsWith("b");
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
    Run delete = cairnctl("delete", "k", "--expect-version", String.valueOf(versionIn(absent.out())));
    assertThat(delete.code()).isZero();
    assertThat(delete.out()).matches("OK existed=true index=\\d+\\R");
    assertThat(cairnctl("delete", "k").out()).startsWith("OK existed=false");
    assertThat(cairnctl("cas", "gone", "5", "x").err()).contains("[current version=0, the key does not exist]");
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
    assertThat(badEndpoint.err()).contains("'nohost' is not host:port");
    assertThat(cluster.received()).isEmpty();
  }

  @Test
  void anUnavailableClusterExitsWithFourAndOneLine() {
    cluster.failEveryRequest(Fault.of(Status.UNAVAILABLE.withDescription("put: shard 2 has no quorum; retry")));
    Run put = cairnctl("--timeout-ms", "200", "put", "k", "v");
    assertThat(put.code()).isEqualTo(4);
    assertThat(put.errLines()).singleElement().asString()
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

    cluster.failNext(1, Fault.of(Status.INVALID_ARGUMENT.withDescription("put: key is 5000 bytes; the limit is 4096"),
        ErrorDetail.newBuilder().setReason(ErrorDetail.Reason.KEY_INVALID).build()));
    Run invalid = cairnctl("put", "k", "v");
    assertThat(invalid.code()).isEqualTo(5);
    assertThat(invalid.err()).contains("the limit is 4096 [INVALID_ARGUMENT]");
  }

  @Test
  void globalOptionsAlsoWorkAfterTheSubcommand() {
    Run put = execute("put", "k", "v", "--endpoints", String.join(",", cluster.endpoints()), "--timeout-ms", "5000");
    assertThat(put.code()).isZero();
    assertThat(cluster.received(PutRequest.class)).hasSize(1);
  }

  @Test
  void endpointsDefaultToTheLocalThreeNodeCluster() {
    assumeTrue(System.getenv("CAIRN_ENDPOINTS") == null, "CAIRN_ENDPOINTS is set in this environment");
    CommandLine cl = CairnCtl.commandLine(cluster.channelFactory());
    cl.parseArgs("get", "k");
    CairnCtl ctl = cl.getCommand();
    assertThat(ctl.endpoints).containsExactly("127.0.0.1:7001", "127.0.0.2:7001", "127.0.0.3:7001");
    assertThat(ctl.timeoutMs).isEqualTo(10_000);
  }

  @Test
  void mapPrintsNodesShardsReplicasAndLeaders() {
    Run map = cairnctl("map");
    assertThat(map.code()).isZero();
    assertThat(map.out()).contains("cluster " + cluster.map().getClusterId()).contains("epoch 1")
        .contains("NODE  HOST  CLIENT_PORT  RAFT_PORT  HTTP_PORT")
        .containsPattern("n2 +n2 +7001 +7000 +7002")
        .containsPattern("(?m)^SHARD +LEADER +REPLICAS +GROUP");
    for (int shard = 1; shard <= 4; shard++) {
      assertThat(map.out()).containsPattern("(?m)^" + shard + " +" + cluster.leaderOf(shard) + " +"
          + String.join(",", cluster.map().getShards(shard - 1).getReplicasList()) + " ");
    }
    assertThat(map.out()).containsPattern("(?m)^meta +- +n1,n2,n3");
  }

  @Test
  void everythingPrintedIsFlushedBeforeTheExitCodeIsReturned() {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    CommandLine cl = CairnCtl.commandLine(cluster.channelFactory());
    cl.setOut(new PrintWriter(out, false));  // like System.out: nothing reaches the stream until a flush
    cl.setErr(new PrintWriter(err, false));
    int code = CairnCtl.execute(cl, "--endpoints", String.join(",", cluster.endpoints()), "map");
    assertThat(code).isZero();
    assertThat(out.toString()).contains("SHARD  LEADER");
  }

  @Test
  void statusPrintsEveryReplicaAndTheUnreachableNodes() {
    cluster.stop("n3");
    Run status = cairnctl("--endpoints", "n1:7001", "status");
    assertThat(status.code()).isZero();
    assertThat(status.out()).containsPattern("(?m)^NODE +MAP_EPOCH +UPTIME_S +REPLICAS")
        .containsPattern("(?m)^n1 +1 +61 +4$")
        .containsPattern("(?m)^n1 +1 +LEADER +n1 +3 ")
        .containsPattern("(?m)^n2 +1 +FOLLOWER +n1 +3 ")
        .contains("unreachable: n3 (connection refused)");
  }

  @Test
  void helpDocumentsEveryExitCode() {
    Run help = execute("--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("Exit codes:");
    for (String meaning : List.of("ok", "key not found", "usage error", "version mismatch", "unavailable or timed out",
        "other error")) {
      assertThat(help.out()).containsPattern("(?m)^\\s+\\d\\s+" + meaning);
    }
    assertThat(help.out()).contains("put", "get", "delete", "cas", "map", "status", "bench");
  }

  @Test
  void benchRunsAgainstTheClusterAndPrintsTheSummaryLine() {
    Run bench = cairnctl("bench", "--duration-s", "0.3", "--warmup-s", "0.1", "--clients", "4", "--keys", "50",
        "--workload", "mix", "--read-ratio", "0.5", "--preload", "--value-bytes", "32", "--consistency", "session",
        "--client-instances", "2");
    assertThat(bench.code()).as(bench.err()).isZero();
    assertThat(bench.out()).contains("preload     50 keys in").contains("throughput").contains("latency ms  p50");
    Matcher line = Pattern.compile("(?m)^BENCH workload=mix clients=4 consistency=session keys=50 value_bytes=32 "
        + "duration_s=0.3 ops=(\\d+) errors=0 ops_per_s=[\\d.]+ p50_ms=[\\d.]+ p99_ms=[\\d.]+ p999_ms=[\\d.]+ "
        + "max_ms=[\\d.]+$").matcher(bench.out());
    assertThat(line.find()).as(bench.out()).isTrue();
    assertThat(Long.parseLong(line.group(1))).isPositive();
    assertThat(cluster.received(GetRequest.class)).isNotEmpty()
        .allSatisfy(g -> assertThat(g.getConsistency()).isEqualTo(Consistency.SESSION));
    assertThat(cluster.received(PutRequest.class).stream().map(p -> p.getKey().toStringUtf8()).distinct())
        .hasSize(50).allSatisfy(k -> assertThat(k).matches("k\\d{15}"));
  }

  @Test
  void benchRejectsAnImpossiblePlanAsAUsageError() {
    Run bench = cairnctl("bench", "--keys", "1000", "--key-bytes", "3");
    assertThat(bench.code()).isEqualTo(2);
    assertThat(bench.err()).contains("--key-bytes is 3; 1000 keys need 4..4096");
  }
}

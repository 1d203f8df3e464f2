package io.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.cairn.cli.CairnCtlRunner.Run;
import io.cairn.client.FakeCluster;
import io.cairn.proto.ClusterStatus;
import io.cairn.proto.NodeStatus;
import io.cairn.proto.Routing;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code -o json} on every command (issue 8, item 5): one document on stdout that a JSON parser
 * reads back, bytes in the encoding the document names, errors still one line on stderr.
 */
class JsonOutputTest {
  private final FakeCluster cluster = new FakeCluster(3, 4, 3);
  private final CairnCtlRunner runner = new CairnCtlRunner(cluster);

  @AfterEach
  void tearDown() {
    cluster.close();
  }

  /** Asserts the run printed exactly one JSON document, on one line, and returns it. */
  private static JsonObject document(Run run) {
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out()).endsWith("\n").hasLineCount(1);
    return JsonParser.parseString(run.out()).getAsJsonObject();
  }

  private static String base64(String text) {
    return Base64.getEncoder()
        .encodeToString(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void putGetDeleteAndCasRenderTextKeysAndValuesAsBase64() {
    // Quotes, a backslash, a control character: a string-built document would break on them.
    String key = "k\"\\\u0001";
    JsonObject put = document(runner.run("-o", "json", "put", key, "v1"));
    assertThat(put.get("key").getAsString()).isEqualTo(base64(key));
    assertThat(put.get("encoding").getAsString()).isEqualTo("base64");
    long v1 = put.get("version").getAsLong();

    JsonObject get = document(runner.run("get", key, "--output", "json"));
    assertThat(get.get("key").getAsString()).isEqualTo(base64(key));
    assertThat(get.get("encoding").getAsString()).isEqualTo("base64");
    assertThat(get.get("value").getAsString()).isEqualTo(base64("v1"));
    assertThat(get.get("version").getAsLong()).isEqualTo(v1);

    JsonObject cas = document(runner.run("-o", "json", "cas", key, String.valueOf(v1), "v2"));
    assertThat(cas.keySet()).containsExactly("key", "encoding", "version");
    assertThat(cas.get("version").getAsLong()).isGreaterThan(v1);

    JsonObject delete = document(runner.run("-o", "json", "delete", key));
    assertThat(delete.keySet()).containsExactly("key", "encoding", "existed", "index");
    assertThat(delete.get("existed").getAsBoolean()).isTrue();
    assertThat(delete.get("index").getAsLong()).isGreaterThan(cas.get("version").getAsLong());
  }

  @Test
  void withHexTheDocumentSaysHexAndCarriesHex() {
    assertThat(runner.run("put", "--hex", "6bff", "00ff").code()).isZero();
    JsonObject get = document(runner.run("-o", "json", "get", "--hex", "6bff"));
    assertThat(get.get("key").getAsString()).isEqualTo("6bff");
    assertThat(get.get("encoding").getAsString()).isEqualTo("hex");
    assertThat(get.get("value").getAsString()).isEqualTo("00ff");
    JsonObject b64 = document(runner.run("-o", "json", "get", "--base64", "a/8="));
    assertThat(b64.get("encoding").getAsString()).isEqualTo("base64");
    assertThat(b64.get("value").getAsString()).isEqualTo("AP8=");
  }

  @Test
  void errorsStayOneLineOnStderrWithTheSameExitCodes() {
    Run missing = runner.run("-o", "json", "get", "nothing");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.out()).isEmpty();
    assertThat(missing.errLines()).containsExactly("cairnctl: get: key 'nothing' not found");

    assertThat(runner.run("put", "k", "a").code()).isZero();
    Run mismatch = runner.run("-o", "json", "cas", "k", "99", "b");
    assertThat(mismatch.code()).isEqualTo(3);
    assertThat(mismatch.out()).isEmpty();
    assertThat(mismatch.errLines()).singleElement().asString().startsWith("cairnctl: cas: ");
  }

  @Test
  void mapIsTheRoutingMessageInProto3Json() throws InvalidProtocolBufferException {
    Run map = runner.run("-o", "json", "map");
    document(map);
    Routing.Builder parsed = Routing.newBuilder();
    JsonFormat.parser().merge(map.out(), parsed);
    assertThat(parsed.getMap()).isEqualTo(cluster.map());
    for (int shard = 1; shard <= 4; shard++) {
      assertThat(parsed.getLeadersMap()).containsEntry(shard, cluster.leaderOf(shard));
    }
    assertThat(map.out()).contains("\"cluster_id\":"); // the proto's own field names
  }

  @Test
  void statusIsTheClusterStatusMessageInProto3Json() throws InvalidProtocolBufferException {
    Run status = runner.run("-o", "json", "status");
    document(status);
    ClusterStatus.Builder parsed = ClusterStatus.newBuilder();
    JsonFormat.parser().merge(status.out(), parsed);
    assertThat(parsed.getNodesList())
        .extracting(NodeStatus::getNodeId)
        .containsExactly("n1", "n2", "n3");
    assertThat(parsed.getNodes(0).getReplicasCount()).isEqualTo(4);
    assertThat(parsed.getUnreachableMap()).isEmpty();
  }

  @Test
  void statusWithAnUnreachableNodeStillPrintsTheDocumentAndExitsWithFour()
      throws InvalidProtocolBufferException {
    cluster.stop(
        "n3",
        io.grpc.Status.UNAVAILABLE
            .withDescription("io exception")
            .withCause(new java.net.ConnectException("Connection refused"))
            .toString());
    Run status = runner.run("-o", "json", "--endpoints", "n1:7001", "status");
    assertThat(status.code()).isEqualTo(4);
    assertThat(status.out()).hasLineCount(1);
    ClusterStatus.Builder parsed = ClusterStatus.newBuilder();
    JsonFormat.parser().merge(status.out(), parsed);
    assertThat(parsed.getUnreachableMap())
        .containsExactly(
            java.util.Map.entry("n3", "UNAVAILABLE: io exception: Connection refused"));
    assertThat(status.errLines())
        .containsExactly(
            "cairnctl: status: n3 n3:7001 unreachable: UNAVAILABLE: io exception: Connection refused");
  }

  @Test
  void benchIsOneDocumentWithThePlanAndTheNumbers() {
    Run bench =
        runner.run(
            "bench",
            "-o",
            "json",
            "--duration-s",
            "0.2",
            "--warmup-s",
            "0",
            "--clients",
            "2",
            "--keys",
            "20",
            "--workload",
            "mix",
            "--preload");
    JsonObject doc = document(bench);
    assertThat(doc.get("workload").getAsString()).isEqualTo("mix");
    assertThat(doc.get("clients").getAsInt()).isEqualTo(2);
    assertThat(doc.get("keys").getAsInt()).isEqualTo(20);
    assertThat(doc.getAsJsonObject("preload").get("keys").getAsLong()).isEqualTo(20);
    assertThat(doc.get("ops").getAsLong())
        .isPositive()
        .isEqualTo(doc.get("reads").getAsLong() + doc.get("writes").getAsLong());
    assertThat(doc.get("errors").getAsLong()).isZero();
    assertThat(doc.getAsJsonObject("errors_by_kind").keySet()).isEmpty();
    assertThat(doc.keySet()).contains("ops_per_s", "p50_ms", "p99_ms", "p999_ms", "max_ms");
    assertThat(bench.out()).doesNotContain("BENCH ");
  }
}

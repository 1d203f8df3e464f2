package io.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cli.CairnCtlRunner.Run;
import io.cairn.client.FakeCluster;
import io.cairn.proto.DeleteRequest;
import io.cairn.proto.GetRequest;
import io.cairn.proto.PutRequest;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Keys and values are bytes (issue 8, item 5): --hex and --base64 name any byte string, text mode
 * refuses what the JVM could not decode instead of storing U+FFFD, and get writes exactly the
 * stored bytes.
 */
class BinaryKeysAndValuesTest {
  private static final HexFormat HEX = HexFormat.of();
  private final FakeCluster cluster = new FakeCluster(3, 4, 3);
  private final CairnCtlRunner runner = new CairnCtlRunner(cluster);

  @AfterEach
  void tearDown() {
    cluster.close();
  }

  @Test
  void hexKeysThatDifferInOneNonUtf8ByteAreDifferentKeys() {
    // The case: $'k\xff' and $'k\xfe' both decoded to "k\uFFFD" and named one key.
    assertThat(runner.run("put", "--hex", "6bff", "41").code()).isZero();
    assertThat(cluster.received(PutRequest.class))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getKey().toByteArray()).isEqualTo(new byte[] {0x6b, (byte) 0xff});
              assertThat(p.getValue().toByteArray()).isEqualTo(new byte[] {0x41});
            });

    Run other = runner.run("get", "--hex", "6bfe");
    assertThat(other.code()).isEqualTo(1);
    assertThat(other.errLines()).containsExactly("cairnctl: get: key 6bfe (hex) not found");
    Run same = runner.run("get", "--hex", "6BFF");
    assertThat(same.code()).isZero();
    assertThat(same.out()).isEqualTo("41\n");
  }

  @Test
  void base64KeysAndValuesWorkTheSameWay() {
    assertThat(runner.run("put", "--base64", "a/8=", "AP+A").code()).isZero(); // 6bff -> 00 ff 80
    assertThat(runner.run("get", "--base64", "a/4=").code()).isEqualTo(1); // 6bfe
    Run get = runner.run("get", "--base64", "a/8"); // padding is optional
    assertThat(get.code()).isZero();
    assertThat(get.out()).isEqualTo("AP+A\n");
    assertThat(runner.run("get", "--hex", "6bff").out()).isEqualTo("00ff80\n");
    assertThat(runner.run("delete", "--base64", "a/8=").out()).startsWith("OK existed=true");
    assertThat(cluster.received(DeleteRequest.class))
        .singleElement()
        .satisfies(d -> assertThat(d.getKey().toByteArray()).isEqualTo(HEX.parseHex("6bff")));
  }

  @Test
  void casTakesHexKeysAndValues() {
    Run put = runner.run("cas", "--hex", "00", "0", "ff00");
    assertThat(put.code()).isZero();
    assertThat(runner.run("get", "--hex", "00").out()).isEqualTo("ff00\n");
  }

  @Test
  void getWritesTheStoredBytesExactly() {
    byte[] value =
        HEX.parseHex("00ff0a80c3280d0a"); // NUL, invalid UTF-8, CR LF, a trailing newline-ish mess
    assertThat(
            runner
                .run("put", "--hex", HEX.formatHex("bin".getBytes()), HEX.formatHex(value))
                .code())
        .isZero();
    Run get = runner.run("get", "bin");
    assertThat(get.code()).isZero();
    assertThat(get.stdout()).isEqualTo(value);
    assertThat(get.err()).isEmpty();
  }

  @Test
  void textModeKeysAndValuesAreUtf8() {
    assertThat(runner.run("put", "clé", "värde ✓").code()).isZero();
    assertThat(cluster.received(PutRequest.class))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getKey().toByteArray())
                  .isEqualTo("clé".getBytes(java.nio.charset.StandardCharsets.UTF_8));
              assertThat(p.getValue().toStringUtf8()).isEqualTo("värde ✓");
            });
    assertThat(
            runner
                .run(
                    "get",
                    "--hex",
                    HEX.formatHex("clé".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .out())
        .isEqualTo(
            HEX.formatHex("värde ✓".getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "\n");
  }

  @Test
  void textModeRefusesAnArgumentTheJvmCouldNotDecode() {
    // What the JVM makes of $'k\xff' (and of $'k\xfe'): U+FFFD in place of the byte.
    for (String[] args :
        new String[][] {
          {"put", "k\uFFFD", "A"},
          {"put", "k", "A\uFFFD"},
          {"get", "k\uFFFD"},
          {"delete", "k\uFFFD"},
          {"cas", "k\uFFFD", "0", "A"},
          {"cas", "k", "0", "\uFFFD"}
        }) {
      Run run = runner.run(args);
      assertThat(run.code()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(run.errLines())
          .singleElement()
          .asString()
          .startsWith("cairnctl: " + args[0] + ": ")
          .contains("U+FFFD")
          .contains("--hex or --base64");
    }
    assertThat(cluster.received()).isEmpty();
  }

  @Test
  void invalidHexOrBase64IsAUsageErrorNamingTheArgument() {
    Run oddHex = runner.run("put", "--hex", "6bf", "41");
    assertThat(oddHex.code()).isEqualTo(2);
    assertThat(oddHex.err()).contains("KEY '6bf' is not hex: it has an odd number of digits");
    Run badDigit = runner.run("put", "--hex", "6b", "4g");
    assertThat(badDigit.code()).isEqualTo(2);
    assertThat(badDigit.err()).contains("VALUE '4g' is not hex: 'g' is not a hex digit");
    Run badBase64 = runner.run("cas", "--base64", "a/8=", "0", "%%");
    assertThat(badBase64.code()).isEqualTo(2);
    assertThat(badBase64.err()).contains("NEW_VALUE '%%' is not base64");
    Run both = runner.run("get", "--hex", "--base64", "6b");
    assertThat(both.code()).isEqualTo(2);
    assertThat(both.err()).contains("--hex and --base64 exclude each other");
    assertThat(cluster.received()).isEmpty();
  }

  @Test
  void everyKeyValueCommandOffersHexBase64AndJsonInItsHelp() {
    for (String command : new String[] {"put", "get", "delete", "cas"}) {
      Run help = runner.execute(command, "--help");
      assertThat(help.code()).isZero();
      assertThat(help.out()).as(command).contains("--hex", "--base64", "-o, --output");
    }
    assertThat(runner.execute("put", "--help").out()).contains("--value-file", "standard input");
    assertThat(runner.execute("get", "--help").out()).contains("nothing added", "on stderr");
    assertThat(cluster.received(GetRequest.class)).isEmpty();
  }
}

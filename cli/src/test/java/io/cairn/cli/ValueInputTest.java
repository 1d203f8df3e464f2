package io.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cli.CairnCtlRunner.Run;
import io.cairn.client.FakeCluster;
import io.cairn.proto.PutRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values that do not fit on a command line (issue 8, item 5): {@code put KEY -} reads standard
 * input and {@code --value-file} a file, both as raw bytes and bounded; cas takes them too.
 */
class ValueInputTest {
  private final FakeCluster cluster = new FakeCluster(3, 4, 3);
  private final CairnCtlRunner runner = new CairnCtlRunner(cluster);

  @TempDir Path dir;

  @AfterEach
  void tearDown() {
    cluster.close();
  }

  /**
   * Every byte value, in a seeded order: binary, and far over the kernel's 128 KiB argument limit.
   */
  private static byte[] binaryValue(int size) {
    byte[] value = new byte[size];
    new Random(8).nextBytes(value);
    return value;
  }

  private byte[] lastPutValue() {
    var puts = cluster.received(PutRequest.class);
    return puts.get(puts.size() - 1).getValue().toByteArray();
  }

  @Test
  void aDashReadsTheValueFromStandardInput() {
    byte[] value = binaryValue(200 * 1024);
    Run put = runner.runWithStdin(value, "put", "big", "-");
    assertThat(put.code()).as(put.err()).isZero();
    assertThat(lastPutValue()).isEqualTo(value);
    assertThat(runner.run("get", "big").stdout()).isEqualTo(value);
  }

  @Test
  void aDashIsNeverStoredAsALiteralDash() {
    assertThat(runner.runWithStdin("from stdin".getBytes(), "put", "k", "-").code()).isZero();
    assertThat(runner.run("get", "k").out()).isEqualTo("from stdin");
    // A one-dash value is still possible, spelled in hex.
    assertThat(runner.run("put", "--hex", "6b", "2d").code()).isZero();
    assertThat(runner.run("get", "k").out()).isEqualTo("-");
  }

  @Test
  void aValueThatStartsWithADashFollowsTheDoubleDash() {
    Run put = runner.run("put", "--", "k", "-x");
    assertThat(put.code()).as(put.err()).isZero();
    assertThat(runner.run("get", "k").out()).isEqualTo("-x");
  }

  @Test
  void valueFileReadsTheFilesBytes() throws IOException {
    byte[] value = binaryValue(200 * 1024);
    Path file = dir.resolve("value.bin");
    Files.write(file, value);
    Run put = runner.run("put", "big", "--value-file", file.toString());
    assertThat(put.code()).as(put.err()).isZero();
    assertThat(lastPutValue()).isEqualTo(value);
    // Files and stdin are raw bytes whatever the encoding: --hex applies to the command line only.
    Run hexKey = runner.run("put", "--hex", "ff", "--value-file", file.toString());
    assertThat(hexKey.code()).isZero();
    assertThat(lastPutValue()).isEqualTo(value);
  }

  @Test
  void anEmptyStandardInputIsAnEmptyValue() {
    assertThat(runner.runWithStdin(new byte[0], "put", "k", "-").code()).isZero();
    assertThat(lastPutValue()).isEmpty();
  }

  @Test
  void casTakesItsNewValueFromStandardInputOrAFile() throws IOException {
    long v1 =
        CairnCtlRunner.versionIn(
            runner.runWithStdin(new byte[] {1, 2}, "cas", "k", "0", "-").out());
    assertThat(lastPutValue()).containsExactly(1, 2);
    Path file = dir.resolve("v");
    Files.write(file, new byte[] {3, 4, (byte) 0xff});
    Run cas = runner.run("cas", "k", String.valueOf(v1), "--value-file", file.toString());
    assertThat(cas.code()).as(cas.err()).isZero();
    assertThat(runner.run("get", "k").stdout()).containsExactly(3, 4, 0xff);
    assertThat(cluster.received(PutRequest.class))
        .allSatisfy(p -> assertThat(p.hasExpectedVersion()).isTrue());
  }

  @Test
  void aValueAndAValueFileTogetherOrNeitherAreUsageErrors() throws IOException {
    Path file = dir.resolve("v");
    Files.write(file, new byte[] {1});
    Run both = runner.run("put", "k", "v", "--value-file", file.toString());
    assertThat(both.code()).isEqualTo(2);
    assertThat(both.errLines())
        .singleElement()
        .asString()
        .contains("VALUE and --value-file both give the value; use one of them");
    Run casBoth = runner.run("cas", "k", "0", "-", "--value-file", file.toString());
    assertThat(casBoth.code()).isEqualTo(2);
    assertThat(casBoth.err()).contains("NEW_VALUE and --value-file both give the value");
    Run neither = runner.run("put", "k");
    assertThat(neither.code()).isEqualTo(2);
    assertThat(neither.err())
        .contains("give VALUE, - to read it from standard input, or --value-file FILE");
    assertThat(cluster.received()).isEmpty();
  }

  @Test
  void aMissingValueFileIsAUsageErrorNamingIt() {
    Path missing = dir.resolve("nope");
    Run put = runner.run("put", "k", "--value-file", missing.toString());
    assertThat(put.code()).isEqualTo(2);
    assertThat(put.errLines())
        .singleElement()
        .asString()
        .startsWith("cairnctl: put: cannot read --value-file '" + missing + "': no such file");
    assertThat(cluster.received()).isEmpty();
  }

  @Test
  void aValueOverSixteenMebibytesIsRefusedBeforeAnythingIsSent() {
    InputStream endless =
        new InputStream() {
          @Override
          public int read() {
            return 'x';
          }

          @Override
          public int read(byte[] b, int off, int len) {
            java.util.Arrays.fill(b, off, off + len, (byte) 'x');
            return len;
          }
        };
    Run put = runner.runWithStdin(endless, "put", "k", "-");
    assertThat(put.code()).isEqualTo(2);
    assertThat(put.errLines())
        .singleElement()
        .asString()
        .contains(
            "standard input holds more than " + ValueOptions.VALUE_BYTES_MAX + " bytes (16 MiB)");
    assertThat(cluster.received()).isEmpty();
  }
}

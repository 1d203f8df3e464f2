package io.cairn.node.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cairn.node.config.NodeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtRestKeysTest {
  @TempDir Path dir;

  private Path keyFile(String content, String mode) throws IOException {
    Path f = dir.resolve("keys");
    Files.writeString(f, content);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
    return f;
  }

  private static String key(int fill) {
    byte[] b = new byte[32];
    java.util.Arrays.fill(b, (byte) fill);
    return Base64.getEncoder().encodeToString(b);
  }

  @Test
  void theHighestIdIsActiveUnlessConfiguredOtherwise() throws IOException {
    Path f = keyFile("# keys\n1=" + key(1) + "\n\n2=" + key(2) + "\n", "rw-------");
    ByteString k = ByteString.copyFromUtf8("k");
    ByteString sealed = AtRestKeys.load(new NodeConfig.AtRest(f, 0)).seal(k, k);
    assertThat(sealed.byteAt(4)).isEqualTo((byte) 2);
    assertThat(AtRestKeys.load(new NodeConfig.AtRest(f, 1)).seal(k, k).byteAt(4))
        .isEqualTo((byte) 1);
    assertThatThrownBy(() -> AtRestKeys.load(new NodeConfig.AtRest(f, 3)))
        .hasMessageContaining("at-rest.active-key-id is 3");
  }

  @Test
  void aKeyFileOthersCanReadIsRefused() throws IOException {
    Path f = keyFile("1=" + key(1) + "\n", "rw-r--r--");
    assertThatThrownBy(() -> AtRestKeys.load(new NodeConfig.AtRest(f, 0)))
        .hasMessageContaining("chmod 600");
  }

  @Test
  void malformedFilesSayWhere() throws IOException {
    assertThatThrownBy(
            () -> AtRestKeys.load(new NodeConfig.AtRest(keyFile("1=abc\n", "rw-------"), 0)))
        .hasMessageContaining("line 1: a key is 32 bytes");
    assertThatThrownBy(
            () ->
                AtRestKeys.load(
                    new NodeConfig.AtRest(
                        keyFile("1=" + key(1) + "\n1=" + key(2) + "\n", "rw-------"), 0)))
        .hasMessageContaining("line 2: key id 1 appears twice");
    assertThatThrownBy(
            () -> AtRestKeys.load(new NodeConfig.AtRest(keyFile("secret\n", "rw-------"), 0)))
        .hasMessageContaining("is not ID=BASE64");
    assertThatThrownBy(
            () -> AtRestKeys.load(new NodeConfig.AtRest(keyFile("# none\n", "rw-------"), 0)))
        .hasMessageContaining("holds no key");
  }
}

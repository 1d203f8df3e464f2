package io.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.client.FakeCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtRestCommandTest {
  private final FakeCluster cluster = new FakeCluster(1, 1, 1);
  private final CairnCtlRunner runner = new CairnCtlRunner(cluster);
  @TempDir Path dir;

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void addsOwnerOnlyRandomKeysWithTheNextId() throws Exception {
    Path file = dir.resolve("keys");
    var first = runner.execute("at-rest", "add-key", "--file", file.toString());
    assertThat(first.code()).as(first.err()).isEqualTo(ExitCodes.OK);
    assertThat(first.out()).contains("added at-rest key 1");
    var second = runner.execute("at-rest", "add-key", "--file", file.toString());
    assertThat(second.out()).contains("added at-rest key 2");

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    List<String> keys = Files.readAllLines(file).stream().filter(l -> !l.startsWith("#")).toList();
    assertThat(keys).hasSize(2);
    assertThat(keys.get(0)).startsWith("1=");
    assertThat(keys.get(1)).startsWith("2=");
    byte[] k1 = Base64.getDecoder().decode(keys.get(0).substring(2));
    byte[] k2 = Base64.getDecoder().decode(keys.get(1).substring(2));
    assertThat(k1).hasSize(32);
    assertThat(k2).hasSize(32).isNotEqualTo(k1);
  }

  @Test
  void aFileItCannotReadIsLeftAlone() throws Exception {
    Path file = dir.resolve("keys");
    Files.writeString(file, "not a key\n");
    var run = runner.execute("at-rest", "add-key", "--file", file.toString());
    assertThat(run.code()).isEqualTo(ExitCodes.OTHER);
    assertThat(run.err()).contains("not ID=BASE64");
    assertThat(Files.readString(file)).isEqualTo("not a key\n");
  }
}

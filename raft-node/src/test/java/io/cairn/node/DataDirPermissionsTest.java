package io.cairn.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.node.testing.LocalCluster;
import io.cairn.node.testing.LocalClusterExtension;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class DataDirPermissionsTest {
  @RegisterExtension
  final LocalClusterExtension ext = new LocalClusterExtension(b -> b.nodes(1).shards(1));

  @Test
  void aNodesDataDirIsOwnerOnly() throws Exception {
    LocalCluster cluster = ext.cluster();
    cluster.awaitLeaders();
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(cluster.config(1).dataDir())))
        .isEqualTo("rwx------");
  }
}

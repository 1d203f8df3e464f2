package io.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cli.certs.CertificateAuthority;
import io.cairn.client.FakeCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertsCommandTest {
  private final FakeCluster cluster = new FakeCluster(1, 1, 1);
  private final CairnCtlRunner runner = new CairnCtlRunner(cluster);
  @TempDir Path dir;

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void makesACaAndANodeCertificateItSigned() throws Exception {
    Path ca = dir.resolve("ca");
    assertThat(runner.execute("certs", "ca", "--dir", ca.toString(), "--cluster", "t").code())
        .isEqualTo(ExitCodes.OK);
    var run =
        runner.execute(
            "certs",
            "node",
            "--dir",
            ca.toString(),
            "--id",
            "n1",
            "--host",
            "10.0.0.7",
            "--host",
            "db1.example");
    assertThat(run.code()).as(run.err()).isEqualTo(ExitCodes.OK);
    assertThat(run.out()).contains("issued n1");

    X509Certificate authority = CertificateAuthority.load(ca, Clock.systemUTC()).certificate();
    X509Certificate node = readCertificate(ca.resolve("n1.pem"));
    node.verify(authority.getPublicKey());
    node.checkValidity();
    assertThat(node.getSubjectX500Principal().getName()).contains("CN=n1");
    assertThat(node.getExtendedKeyUsage())
        .containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    assertThat(node.getSubjectAlternativeNames())
        .containsExactlyInAnyOrder(List.of(7, "10.0.0.7"), List.of(2, "db1.example"));
    assertThat(node.getBasicConstraints()).isEqualTo(-1);
    assertThat(authority.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    for (String key : new String[] {"ca.key", "n1.key"}) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ca.resolve(key))))
          .as(key)
          .isEqualTo("rw-------");
      assertThat(Files.readString(ca.resolve(key))).startsWith("-----BEGIN PRIVATE KEY-----");
    }
  }

  @Test
  void issuesAClientCertificateWithoutAddresses() throws Exception {
    Path ca = dir.resolve("clients");
    runner.execute("certs", "ca", "--dir", ca.toString());
    var run = runner.execute("certs", "client", "--dir", ca.toString(), "--name", "alice");
    assertThat(run.code()).as(run.err()).isEqualTo(ExitCodes.OK);
    assertThat(run.out()).contains("issued client alice");
    X509Certificate alice = readCertificate(ca.resolve("alice.pem"));
    alice.verify(CertificateAuthority.load(ca, Clock.systemUTC()).certificate().getPublicKey());
    assertThat(alice.getSubjectX500Principal().getName()).contains("CN=alice");
    assertThat(alice.getSubjectAlternativeNames()).isNull();
    assertThat(
            PosixFilePermissions.toString(Files.getPosixFilePermissions(ca.resolve("alice.key"))))
        .isEqualTo("rw-------");

    var traversal = runner.execute("certs", "client", "--dir", ca.toString(), "--name", "../x");
    assertThat(traversal.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(traversal.err()).contains("--name must be");
    assertThat(dir.resolve("x.pem")).doesNotExist();
  }

  @Test
  void refusesToReplaceAnExistingCa() throws Exception {
    Path ca = dir.resolve("ca");
    runner.execute("certs", "ca", "--dir", ca.toString());
    String before = Files.readString(ca.resolve("ca.pem"));
    var again = runner.execute("certs", "ca", "--dir", ca.toString());
    assertThat(again.code()).isEqualTo(ExitCodes.REFUSED);
    assertThat(again.err()).contains("already holds a CA");
    assertThat(Files.readString(ca.resolve("ca.pem"))).isEqualTo(before);
  }

  @Test
  void aNodeCertificateNeedsACaAndAUsableId() {
    var noCa =
        runner.execute(
            "certs", "node", "--dir", dir.toString(), "--id", "n1", "--host", "127.0.0.1");
    assertThat(noCa.code()).isEqualTo(ExitCodes.OTHER);
    assertThat(noCa.err()).contains("no CA in").contains("cairnctl certs ca");
    var badId =
        runner.execute(
            "certs", "node", "--dir", dir.toString(), "--id", "../n1", "--host", "127.0.0.1");
    assertThat(badId.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(badId.err()).contains("--id must be");
    assertThat(dir.resolve("n1.pem")).doesNotExist();
  }

  private static X509Certificate readCertificate(Path file) throws Exception {
    try (var in = Files.newInputStream(file)) {
      return (X509Certificate)
          java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }
}

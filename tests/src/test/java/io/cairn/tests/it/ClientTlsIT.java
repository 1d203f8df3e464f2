package io.cairn.tests.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cairn.cli.CairnCtl;
import io.cairn.cli.StdStreams;
import io.cairn.cli.certs.CertificateAuthority;
import io.cairn.client.BlockingCairnClient;
import io.cairn.client.CairnClient;
import io.cairn.client.CairnException;
import io.cairn.client.ChannelFactory;
import io.cairn.client.ClientConfig;
import io.cairn.client.ClientTls;
import io.cairn.proto.Consistency;
import io.cairn.proto.KvGrpc;
import io.cairn.proto.PutRequest;
import io.cairn.proto.WireHeaders;
import io.cairn.proto.internal.PeerGrpc;
import io.cairn.proto.internal.ReadShardMapRequest;
import io.cairn.proto.internal.ReadShardMapResponse;
import io.cairn.tests.cluster.ProcessCluster;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client port with TLS on and client certificates required (issue 11, item 3), on real
 * processes: a client with a certificate of the client CA reads and writes, every other client is
 * turned away at the handshake, the node-to-node Peer service answers members on the peer port
 * only, cairnctl takes the same files, and a renewed node certificate is served without a restart,
 * on the client, peer and Raft ports.
 */
class ClientTlsIT {
  @TempDir static Path dir;
  static ProcessCluster cluster;
  static Path clientCa;
  static BlockingCairnClient alice;

  @BeforeAll
  static void start() throws IOException {
    clientCa = dir.resolve("client-ca");
    CertificateAuthority users =
        CertificateAuthority.create("cairn-test-clients", Duration.ofDays(1), Clock.systemUTC());
    users.save(clientCa);
    users.issue("alice", List.of(), Duration.ofDays(1)).save(clientCa, "alice");
    cluster =
        ProcessCluster.builder(dir.resolve("cluster"))
            .nodes(3)
            .shards(2)
            .config("client-tls.enabled", "true")
            .config("client-tls.client-ca-file", clientCa.resolve("ca.pem").toString())
            .config("client-tls.reload-ms", "200")
            .build();
    cluster.start(Duration.ofSeconds(90));
    alice = new BlockingCairnClient(connect(aliceTls(), 15_000));
  }

  @AfterAll
  static void stop() {
    if (alice != null) {
      alice.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aClientWithACertificateOfTheClientCaReadsAndWrites() {
    for (int i = 0; i < 20; i++) {
      alice.put("tls/" + i, "v" + i);
    }
    for (int i = 0; i < 20; i++) {
      // LINEARIZABLE reads confirm leadership through the Peer service on the other nodes' peer
      // ports: node-to-node TLS with member certificates works too.
      assertThat(text(alice.get(bytes("tls/" + i), Consistency.LINEARIZABLE).value()))
          .isEqualTo("v" + i);
      assertThat(text(alice.get(bytes("tls/" + i), Consistency.EVENTUAL).value()))
          .isEqualTo("v" + i);
    }
  }

  @Test
  void plaintextANodeCertificateMissingOrForeignAreRefused() throws IOException {
    CertificateAuthority impostor =
        CertificateAuthority.create("impostor", Duration.ofDays(1), Clock.systemUTC());
    Path foreign = dir.resolve("foreign");
    impostor.save(foreign);
    impostor.issue("alice", List.of(), Duration.ofDays(1)).save(foreign, "alice");
    List<ChannelFactory> refused =
        List.of(
            ChannelFactory.plaintext(),
            ChannelFactory.tls(ClientTls.trusting(clusterCa())),
            ChannelFactory.tls(
                ClientTls.mutual(
                    clusterCa(), foreign.resolve("alice.pem"), foreign.resolve("alice.key"))));
    for (ChannelFactory transport : refused) {
      try (BlockingCairnClient c =
          new BlockingCairnClient(
              CairnClient.connect(
                  ClientConfig.builder()
                      .endpoints(cluster.endpoints())
                      .requestTimeoutMs(3_000)
                      .channelFactory(transport)
                      .build()))) {
        assertThatThrownBy(() -> c.put("tls/intruder", "x")).isInstanceOf(CairnException.class);
      }
    }
    assertThat(alice.get(bytes("tls/intruder")).found()).isFalse();
  }

  /**
   * The node-to-node services have a port of their own: on it, the TLS handshake admits only
   * certificates of the cluster CA; the client port no longer serves the Peer service to anyone.
   */
  @Test
  void thePeerServiceAnswersMembersOnlyOnThePeerPort() throws IOException {
    CertificateAuthority clusterAuthority =
        CertificateAuthority.load(cluster.certificatesDir(), Clock.systemUTC());
    Path auditor = dir.resolve("auditor");
    clusterAuthority.issue("auditor", List.of(), Duration.ofDays(1)).save(auditor, "auditor");
    ClientTls member =
        ClientTls.mutual(
            clusterCa(), auditor.resolve("auditor.pem"), auditor.resolve("auditor.key"));
    ManagedChannel aliceToPeerPort =
        NettyChannelBuilder.forAddress("127.0.0.1", cluster.peerPort(), aliceTls().credentials())
            .build();
    ManagedChannel plaintextToPeerPort =
        NettyChannelBuilder.forAddress("127.0.0.1", cluster.peerPort()).usePlaintext().build();
    ManagedChannel memberToClientPort =
        NettyChannelBuilder.forAddress("127.0.0.1", clientPort(1), member.credentials()).build();
    List<ManagedChannel> memberToPeerPorts = new ArrayList<>();
    for (int node = 1; node <= cluster.size(); node++) {
      memberToPeerPorts.add(
          NettyChannelBuilder.forAddress(
                  cluster.host(node), cluster.peerPort(), member.credentials())
              .build());
    }
    try {
      for (ManagedChannel outsider : List.of(aliceToPeerPort, plaintextToPeerPort)) {
        assertThatThrownBy(() -> readShardMap(outsider))
            .as("turned away in the handshake")
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
      }
      assertThatThrownBy(() -> readShardMap(memberToClientPort))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                assertThat(e.getStatus().getDescription()).contains("served on the peer port");
              });
      // Control: a member's certificate on the peer port reaches the service. Only the meta
      // group's leader answers with the map; the other nodes answer from the service that they do
      // not lead. Leadership may move while the suite runs (an election is an UNAVAILABLE from
      // the service too), so every node is asked until one answers with the map.
      Awaitility.await("a member's certificate is answered with the map on some peer port")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> anyAnswersWithTheMap(memberToPeerPorts));
    } finally {
      for (ManagedChannel c : List.of(aliceToPeerPort, plaintextToPeerPort, memberToClientPort)) {
        c.shutdownNow();
      }
      memberToPeerPorts.forEach(ManagedChannel::shutdownNow);
    }
  }

  /**
   * Whether any of {@code channels} answers with the shard map. No refusal may come from the
   * handshake or the authorization check: an UNAVAILABLE must be the Peer service's own (its
   * description names the operation).
   */
  private static boolean anyAnswersWithTheMap(List<ManagedChannel> channels) {
    boolean answered = false;
    for (ManagedChannel channel : channels) {
      try {
        answered |= readShardMap(channel).getHasMap();
      } catch (StatusRuntimeException e) {
        assertThat(e.getStatus().getCode()).isNotEqualTo(Status.Code.PERMISSION_DENIED);
        if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
          // The handshake's refusal is UNAVAILABLE too, but without the service's description.
          assertThat(e.getStatus().getDescription())
              .as("a refusal from the service, not the transport: %s", e.getStatus())
              .startsWith("read-shard-map");
        }
      }
    }
    return answered;
  }

  private static ReadShardMapResponse readShardMap(ManagedChannel channel) {
    return PeerGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .readShardMap(ReadShardMapRequest.getDefaultInstance());
  }

  /**
   * A forwarded call's value is taken in its stored form, so a client that could mark its own call
   * forwarded could skip what the entry node does for it (sealing values at rest, for one).
   */
  @Test
  void onlyMembersMayMarkACallForwarded() {
    ManagedChannel asAlice =
        NettyChannelBuilder.forAddress("127.0.0.1", clientPort(1), aliceTls().credentials())
            .build();
    Metadata forwarded = new Metadata();
    forwarded.put(WireHeaders.FORWARDED, "1");
    KvGrpc.KvBlockingStub kv =
        KvGrpc.newBlockingStub(asAlice).withDeadlineAfter(10, TimeUnit.SECONDS);
    try {
      assertThatThrownBy(
              () ->
                  kv.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(forwarded))
                      .put(
                          PutRequest.newBuilder()
                              .setKey(ByteString.copyFromUtf8("tls/forged-forward"))
                              .setValue(ByteString.copyFromUtf8("x"))
                              .build()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                assertThat(e.getStatus().getDescription()).contains("cluster members");
              });
      assertThat(alice.get(bytes("tls/forged-forward"), Consistency.LINEARIZABLE).found())
          .isFalse();
      // Control: the same call without the header is served.
      assertThat(
              kv.put(
                      PutRequest.newBuilder()
                          .setKey(ByteString.copyFromUtf8("tls/plain-call"))
                          .setValue(ByteString.copyFromUtf8("y"))
                          .build())
                  .getVersion())
          .isPositive();
    } finally {
      asAlice.shutdownNow();
    }
  }

  /**
   * Users made while auth is off are the ones that hold once it is turned on, so only members may
   * manage them even then.
   */
  @Test
  void whileAuthIsOffOnlyMembersManageUsers() throws IOException {
    Path operatorDir = dir.resolve("operator");
    CertificateAuthority.load(cluster.certificatesDir(), Clock.systemUTC())
        .issue("operator", List.of(), Duration.ofDays(1))
        .save(operatorDir, "operator");
    try (BlockingCairnClient operator =
        new BlockingCairnClient(
            connect(
                ClientTls.mutual(
                    clusterCa(),
                    operatorDir.resolve("operator.pem"),
                    operatorDir.resolve("operator.key")),
                15_000))) {
      assertThatThrownBy(() -> alice.putUser("planted", "pw-planted", List.of("root")))
          .isInstanceOfSatisfying(
              CairnException.class,
              e -> assertThat(e.code()).isEqualTo(Status.Code.PERMISSION_DENIED));
      assertThat(operator.listAuth().getUsersList()).isEmpty();
      operator.putUser("admin", "pw-admin", List.of("root"));
      assertThat(operator.listAuth().getUsersList()).extracting("name").containsExactly("admin");
      assertThat(operator.listAuth().getEnforced()).isFalse();
    }
  }

  @Test
  void cairnctlTakesTheTlsFiles() {
    String endpoints = String.join(",", cluster.endpoints());
    assertThat(
            cairnctl(
                "--endpoints",
                endpoints,
                "--tls-ca",
                clusterCa().toString(),
                "--tls-cert",
                clientCa.resolve("alice.pem").toString(),
                "--tls-key",
                clientCa.resolve("alice.key").toString(),
                "put",
                "tls/ctl",
                "hello"))
        .isZero();
    assertThat(text(alice.get(bytes("tls/ctl")).value())).isEqualTo("hello");
    Run plaintext = cairnctlRun("--endpoints", endpoints, "--timeout-ms", "2000", "get", "tls/ctl");
    assertThat(plaintext.code()).as("plaintext against a TLS port: unavailable").isEqualTo(4);
    assertThat(plaintext.err()).contains("pass --tls-ca");
    assertThat(
            cairnctl(
                "--endpoints",
                endpoints,
                "--tls-cert",
                clientCa.resolve("alice.pem").toString(),
                "get",
                "tls/ctl"))
        .as("a certificate without a CA to check the nodes against: usage error")
        .isEqualTo(2);
  }

  @Test
  void aRenewedNodeCertificateIsServedWithoutARestart() throws Exception {
    BigInteger before = servedCertificate(1, clientPort(1)).getSerialNumber();
    assertThat(servedCertificate(1, cluster.raftPort()).getSerialNumber()).isEqualTo(before);
    CertificateAuthority.load(cluster.certificatesDir(), Clock.systemUTC())
        .issue("n1", List.of("127.0.0.1"), Duration.ofDays(2))
        .save(cluster.certificatesDir(), "n1");
    BigInteger renewed = serialIn(cluster.certificatesDir().resolve("n1.pem"));
    assertThat(renewed).isNotEqualTo(before);
    for (int port : List.of(clientPort(1), cluster.peerPort(), cluster.raftPort())) {
      Awaitility.await("n1 serves its renewed certificate on port " + port)
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> servedCertificate(1, port).getSerialNumber().equals(renewed));
    }
    // Clients, and the other nodes, still get through.
    try (BlockingCairnClient fresh = new BlockingCairnClient(connect(aliceTls(), 15_000))) {
      fresh.put("tls/after-renewal", "ok");
      assertThat(text(fresh.get(bytes("tls/after-renewal"), Consistency.LINEARIZABLE).value()))
          .isEqualTo("ok");
    }
  }

  private static BigInteger serialIn(Path pem) throws Exception {
    try (InputStream in = Files.newInputStream(pem)) {
      return ((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in))
          .getSerialNumber();
    }
  }

  /** The certificate node {@code i} presents on {@code port}, read from a fresh handshake. */
  private static X509Certificate servedCertificate(int i, int port) throws Exception {
    AtomicReference<X509Certificate> served = new AtomicReference<>();
    X509TrustManager capture =
        new X509TrustManager() {
          @Override
          public void checkClientTrusted(X509Certificate[] chain, String authType) {}

          @Override
          public void checkServerTrusted(X509Certificate[] chain, String authType) {
            served.set(chain[0]);
          }

          @Override
          public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
          }
        };
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {capture}, null);
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0." + i, port)) {
      s.setSoTimeout(5_000);
      s.setEnabledProtocols(new String[] {"TLSv1.3"});
      s.startHandshake();
    } catch (IOException e) {
      // Without a client certificate the node ends the handshake, after it showed its own.
    }
    assertThat(served.get()).as("the node presented a certificate").isNotNull();
    return served.get();
  }

  private static int cairnctl(String... args) {
    return cairnctlRun(args).code();
  }

  private record Run(int code, String err) {}

  private static Run cairnctlRun(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        CairnCtl.execute(
            CairnCtl.commandLine(
                ChannelFactory.plaintext(),
                new StdStreams(new ByteArrayInputStream(new byte[0]), out, err)),
            args);
    return new Run(code, err.toString(StandardCharsets.UTF_8));
  }

  private static int clientPort(int node) {
    String endpoint = cluster.endpoints().get(node - 1);
    return Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1));
  }

  private static Path clusterCa() {
    return cluster.certificatesDir().resolve("ca.pem");
  }

  private static ClientTls aliceTls() {
    return ClientTls.mutual(
        clusterCa(), clientCa.resolve("alice.pem"), clientCa.resolve("alice.key"));
  }

  private static CairnClient connect(ClientTls tls, long timeoutMs) {
    return CairnClient.connect(
        ClientConfig.builder()
            .endpoints(cluster.endpoints())
            .requestTimeoutMs(timeoutMs)
            .channelFactory(ChannelFactory.tls(tls))
            .build());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}

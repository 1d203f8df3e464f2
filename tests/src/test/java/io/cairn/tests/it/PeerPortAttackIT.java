package io.cairn.tests.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.cli.certs.CertificateAuthority;
import io.cairn.client.BlockingCairnClient;
import io.cairn.client.CairnClient;
import io.cairn.client.ClientConfig;
import io.cairn.node.replica.RaftHost;
import io.cairn.proto.NodeInfo;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import io.cairn.proto.internal.MetaCommand;
import io.cairn.tests.cluster.ProcessCluster;
import io.grpc.util.CertificateUtils;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftGroupIdProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.protocol.GroupListReply;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attacks on the Raft port that worked before it required member certificates (issue 11),
 * replayed with the stock Ratis client against a default cluster of real processes: a raw entry
 * into a shard's log, a forged shard map into the meta group, removing a replica's group, and
 * triggering a snapshot, each from a client without a certificate and from one whose certificate
 * another CA signed. Each must fail and leave the cluster as it was. A client holding a member
 * certificate does reach the same services ({@link #aMemberCertificateReachesRatis}): the attacks
 * are aimed right, and fail only for want of a certificate.
 */
class PeerPortAttackIT {
  @TempDir static Path dir;
  static ProcessCluster cluster;
  static BlockingCairnClient client;
  static ShardMap mapAtStart;

  @BeforeAll
  static void start() {
    cluster = ProcessCluster.builder(dir.resolve("cluster")).nodes(3).shards(2).build();
    cluster.start(Duration.ofSeconds(90));
    client =
        new BlockingCairnClient(
            CairnClient.connect(
                ClientConfig.builder()
                    .endpoints(cluster.endpoints())
                    .requestTimeoutMs(15_000)
                    .build()));
    client.put(bytes("attack/canary"), bytes("before"));
    mapAtStart = client.routing().getMap();
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  /** After every attack: same map, the canary readable, every node still holding its groups. */
  @AfterEach
  void clusterIsUntouched() throws IOException {
    assertThat(client.routing().getMap().getEpoch()).isEqualTo(mapAtStart.getEpoch());
    assertThat(new String(client.get(bytes("attack/canary")).value(), StandardCharsets.UTF_8))
        .isEqualTo("before");
    Parameters member = issuedBy(clusterCa(), "auditor");
    for (NodeInfo n : mapAtStart.getNodesList()) {
      assertThat(groupsOn(n, member)).hasSize(groupsPlacedOn(n.getId()));
    }
  }

  @Test
  void aMemberCertificateReachesRatis() throws IOException {
    NodeInfo n1 = mapAtStart.getNodes(0);
    assertThat(groupsOn(n1, issuedBy(clusterCa(), "auditor")))
        .contains(RaftHost.groupIdOf(mapAtStart.getMeta()));
  }

  @Test
  void aRawEntryIntoAShardIsRefused() {
    ShardInfo shard = mapAtStart.getShards(0);
    for (Parameters attacker : attackers()) {
      assertThatThrownBy(
              () -> {
                try (RaftClient c = ratisClient(shard, attacker)) {
                  c.io().send(Message.valueOf(ByteString.copyFromUtf8("")));
                }
              })
          .isInstanceOf(IOException.class);
    }
  }

  @Test
  void aForgedShardMapIsRefused() {
    ShardMap forged =
        mapAtStart.toBuilder()
            .setEpoch(mapAtStart.getEpoch() + 1)
            .setNodes(0, mapAtStart.getNodes(0).toBuilder().setClientPort(6666))
            .build();
    byte[] command = MetaCommand.newBuilder().setReplace(forged).build().toByteArray();
    for (Parameters attacker : attackers()) {
      assertThatThrownBy(
              () -> {
                try (RaftClient c = ratisClient(mapAtStart.getMeta(), attacker)) {
                  c.io().send(Message.valueOf(ByteString.copyFrom(command)));
                }
              })
          .isInstanceOf(IOException.class);
    }
  }

  @Test
  void removingAReplicaGroupIsRefused() {
    ShardInfo shard = mapAtStart.getShards(1);
    RaftPeerId holder = RaftPeerId.valueOf(shard.getReplicas(0));
    for (Parameters attacker : attackers()) {
      assertThatThrownBy(
              () -> {
                try (RaftClient c = ratisClient(shard, attacker)) {
                  c.getGroupManagementApi(holder).remove(RaftHost.groupIdOf(shard), true, false);
                }
              })
          .isInstanceOf(IOException.class);
    }
  }

  @Test
  void triggeringASnapshotIsRefused() {
    ShardInfo shard = mapAtStart.getShards(0);
    RaftPeerId holder = RaftPeerId.valueOf(shard.getReplicas(0));
    for (Parameters attacker : attackers()) {
      assertThatThrownBy(
              () -> {
                try (RaftClient c = ratisClient(shard, attacker)) {
                  c.getSnapshotManagementApi(holder).create(3_000);
                }
              })
          .isInstanceOf(IOException.class);
    }
  }

  /**
   * The Raft link port (Raft port + 4) carries appends straight into a replica's log. A forged
   * append, sent in the clear, or over TLS with a certificate of another CA, ends at the handshake;
   * over TLS with a member certificate the handshake passes (the port is the right one) and the
   * garbage that follows closes the connection. The canary and map checks after each test show that
   * nothing was applied.
   */
  @Test
  void appendsOnTheLinkPortNeedAMemberCertificate() throws Exception {
    NodeInfo n1 = mapAtStart.getNodes(0);
    InetSocketAddress link = new InetSocketAddress(n1.getHost(), n1.getRaftPort() + 4);
    byte[] forged =
        AppendEntriesRequestProto.newBuilder()
            .setServerRequest(
                RaftRpcRequestProto.newBuilder()
                    .setRequestorId(ByteString.copyFromUtf8("n2"))
                    .setReplyId(ByteString.copyFromUtf8(n1.getId()))
                    .setRaftGroupId(
                        RaftGroupIdProto.newBuilder()
                            .setId(RaftHost.groupIdOf(mapAtStart.getShards(0)).toByteString())))
            .setLeaderTerm(1_000)
            .build()
            .toByteArray();

    try (Socket clear = new Socket()) {
      clear.connect(link, 2_000);
      clear.setSoTimeout(10_000);
      DataOutputStream out = new DataOutputStream(clear.getOutputStream());
      out.writeInt(1 + forged.length);
      out.writeByte(1);
      out.write(forged);
      out.flush();
      assertThat(readsToTheEnd(clear)).isTrue();
    }

    CertificateAuthority foreign =
        CertificateAuthority.create("impostor", Duration.ofDays(1), Clock.systemUTC());
    try (SSLSocket impostor = tlsSocket(foreign, "impostor-link", link)) {
      assertThatThrownBy(
              () -> {
                impostor.startHandshake();
                // TLS 1.3: the server's refusal of the certificate may arrive with the first read.
                impostor.getOutputStream().write(forged);
                impostor.getOutputStream().flush();
                if (impostor.getInputStream().read() == -1) {
                  throw new IOException("closed by the server");
                }
              })
          .isInstanceOf(IOException.class);
    }

    try (SSLSocket member = tlsSocket(clusterCa(), "link-auditor", link)) {
      member.startHandshake();
      OutputStream out = member.getOutputStream();
      out.write(new byte[] {0, 0, 0, 6, 1, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2});
      out.flush();
      assertThat(readsToTheEnd(member)).isTrue();
    }
  }

  /** True once the peer closed the connection (end of stream or a reset), reading what it sent. */
  private static boolean readsToTheEnd(Socket s) {
    try {
      InputStream in = s.getInputStream();
      while (in.read() != -1) {
        // The link answers nothing to a request it refuses; drain whatever comes.
      }
      return true;
    } catch (IOException e) {
      return !(e instanceof java.net.SocketTimeoutException);
    }
  }

  /** A TLS socket to {@code to} presenting a certificate {@code ca} issued for {@code name}. */
  private static SSLSocket tlsSocket(CertificateAuthority ca, String name, InetSocketAddress to)
      throws Exception {
    Path out = dir.resolve("link-clients");
    ca.issue(name, List.of("127.0.0.1"), Duration.ofDays(1)).save(out, name);
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    try (InputStream key = Files.newInputStream(out.resolve(name + ".key"));
        InputStream cert = Files.newInputStream(out.resolve(name + ".pem"))) {
      keys.setKeyEntry(
          name,
          CertificateUtils.getPrivateKey(key),
          new char[0],
          CertificateUtils.getX509Certificates(cert));
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, new char[0]);
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    try (InputStream ca2 = Files.newInputStream(cluster.certificatesDir().resolve("ca.pem"))) {
      trusted.setCertificateEntry("cluster-ca", CertificateUtils.getX509Certificates(ca2)[0]);
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trusted);
    SSLContext ctx = SSLContext.getInstance("TLSv1.3");
    ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket();
    s.connect(to, 2_000);
    s.setSoTimeout(10_000);
    return s;
  }

  /** No certificate at all, and a well-formed certificate from a CA the cluster does not trust. */
  private static List<Parameters> attackers() {
    CertificateAuthority foreign =
        CertificateAuthority.create("impostor", Duration.ofDays(1), Clock.systemUTC());
    Path foreignDir = dir.resolve("foreign");
    try {
      foreign.save(foreignDir);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return List.of(new Parameters(), issuedBy(foreign, foreignDir, "impostor"));
  }

  private static CertificateAuthority clusterCa() {
    try {
      return CertificateAuthority.load(cluster.certificatesDir(), Clock.systemUTC());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Parameters issuedBy(CertificateAuthority ca, String name) {
    return issuedBy(ca, cluster.certificatesDir(), name);
  }

  /** Ratis TLS parameters with a certificate {@code ca} signed, trusting {@code caDir}'s CA. */
  private static Parameters issuedBy(CertificateAuthority ca, Path caDir, String name) {
    Path out = dir.resolve("clients");
    try {
      ca.issue(name, List.of("127.0.0.1"), Duration.ofDays(1)).save(out, name);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    // Trusts the cluster's CA either way: the impostor knows whom it talks to, only its own
    // certificate is wrong.
    GrpcTlsConfig tls =
        new GrpcTlsConfig(
            out.resolve(name + ".key").toFile(),
            out.resolve(name + ".pem").toFile(),
            cluster.certificatesDir().resolve("ca.pem").toFile(),
            true);
    Parameters p = new Parameters();
    GrpcConfigKeys.Client.setTlsConf(p, tls);
    GrpcConfigKeys.Admin.setTlsConf(p, tls);
    return p;
  }

  private static RaftClient ratisClient(ShardInfo group, Parameters parameters) {
    RaftProperties properties = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(
        properties, TimeDuration.valueOf(3, TimeUnit.SECONDS));
    return RaftClient.newBuilder()
        .setProperties(properties)
        .setRaftGroup(
            RaftGroup.valueOf(RaftHost.groupIdOf(group), RaftHost.peersOf(group, mapAtStart)))
        .setRetryPolicy(
            RetryPolicies.retryUpToMaximumCountWithFixedSleep(2, TimeDuration.ONE_SECOND))
        .setParameters(parameters)
        .build();
  }

  private static List<RaftGroupId> groupsOn(NodeInfo node, Parameters parameters)
      throws IOException {
    ShardInfo anyGroupOfNode =
        mapAtStart.getMeta().getReplicasList().contains(node.getId())
            ? mapAtStart.getMeta()
            : mapAtStart.getShardsList().stream()
                .filter(s -> s.getReplicasList().contains(node.getId()))
                .findFirst()
                .orElseThrow();
    try (RaftClient c = ratisClient(anyGroupOfNode, parameters)) {
      GroupListReply reply = c.getGroupManagementApi(RaftPeerId.valueOf(node.getId())).list();
      return reply.getGroupIds();
    }
  }

  private static int groupsPlacedOn(String nodeId) {
    int n = mapAtStart.getMeta().getReplicasList().contains(nodeId) ? 1 : 0;
    for (ShardInfo s : mapAtStart.getShardsList()) {
      n += s.getReplicasList().contains(nodeId) ? 1 : 0;
    }
    return n;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}

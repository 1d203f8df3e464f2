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
import io.cairn.proto.Access;
import io.cairn.proto.AuthGrpc;
import io.cairn.proto.AuthenticateRequest;
import io.cairn.proto.ClusterGrpc;
import io.cairn.proto.GetShardMapRequest;
import io.cairn.proto.KvGrpc;
import io.cairn.proto.Permission;
import io.cairn.proto.PutRequest;
import io.cairn.proto.Role;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Users, roles and tokens on a real 3-node cluster with mutual TLS and auth.enabled=true: a user
 * reads and writes only the keys its roles grant, through any node; calls without a caller, with a
 * wrong password or a forged or revoked token are refused; only root may manage users; no map a
 * client can get holds a password hash; cairnctl manages users and roles and logs in with --user.
 */
class AuthIT {
  @TempDir static Path dir;
  static ProcessCluster cluster;
  static Path clientCa;
  static BlockingCairnClient operator; // a member's certificate: unrestricted
  static final int SESSIONS_PER_CALLER = 20;

  @BeforeAll
  static void start() throws IOException {
    clientCa = dir.resolve("client-ca");
    CertificateAuthority clients =
        CertificateAuthority.create("cairn-test-clients", Duration.ofDays(1), Clock.systemUTC());
    clients.save(clientCa);
    clients.issue("anonymous-app", List.of(), Duration.ofDays(1)).save(clientCa, "app");
    clients.issue("carol", List.of(), Duration.ofDays(1)).save(clientCa, "carol");
    Path tokenKeys = dir.resolve("token-keys");
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Files.writeString(tokenKeys, "1=" + Base64.getEncoder().encodeToString(key) + "\n");
    Files.setPosixFilePermissions(tokenKeys, PosixFilePermissions.fromString("rw-------"));
    cluster =
        ProcessCluster.builder(dir.resolve("cluster"))
            .nodes(3)
            .shards(2)
            .config("client-tls.enabled", "true")
            .config("client-tls.client-ca-file", clientCa.resolve("ca.pem").toString())
            .config("auth.enabled", "true")
            .config("auth.token-key-file", tokenKeys.toString())
            .config("limits.sessions-per-caller-max", String.valueOf(SESSIONS_PER_CALLER))
            .build();
    cluster.start(Duration.ofSeconds(90));
    CertificateAuthority.load(cluster.certificatesDir(), Clock.systemUTC())
        .issue("operator", List.of(), Duration.ofDays(1))
        .save(dir.resolve("operator"), "operator");
    operator =
        client(
            ChannelFactory.tls(
                ClientTls.mutual(
                    clusterCa(),
                    dir.resolve("operator/operator.pem"),
                    dir.resolve("operator/operator.key"))));
    operator.putRole(role("orders-rw", "orders/", Access.READ_WRITE));
    operator.putRole(role("audit-r", "audit/", Access.READ));
    operator.putUser("alice", "alice-secret", List.of("orders-rw", "audit-r"));
    operator.putUser("carol", "carol-secret", List.of("audit-r"));
    operator.putUser("admin", "admin-secret", List.of("root"));
    operator.putUser("flood", "flood-secret", List.of("orders-rw"));
    operator.put("audit/seed", "s");
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aUserReadsAndWritesOnlyWhatItsRolesGrant() {
    try (BlockingCairnClient alice = asUser("alice", "alice-secret")) {
      assertThat(alice.put("orders/1", "o1").version()).isPositive();
      assertThat(alice.get("orders/1").found()).isTrue();
      assertThat(alice.get("audit/seed").found()).isTrue();
      assertDenied(() -> alice.put("audit/x", "no"), "PERMISSION_DENIED");
      assertDenied(() -> alice.put("users/1", "no"), "PERMISSION_DENIED");
      assertDenied(() -> alice.get("users/1"), "PERMISSION_DENIED");
      assertDenied(() -> alice.delete("audit/seed"), "PERMISSION_DENIED");
      assertDenied(() -> alice.putUser("mallory", "pw", List.of("root")), "PERMISSION_DENIED");
      assertDenied(() -> alice.transferLeader(1, "n1"), "PERMISSION_DENIED");
      assertDenied(() -> alice.replicaDigest("n1", 1, 1, 0), "PERMISSION_DENIED");
    }
    assertThat(operator.get("audit/x").found()).isFalse();
    assertThat(operator.get("users/1").found()).isFalse();
    assertThat(operator.listAuth().getUsersList()).extracting("name").doesNotContain("mallory");
  }

  @Test
  void everyNodeTakesTheTokenAndForwardsForTheUser() {
    String token = authenticate(1, "alice", "alice-secret");
    for (int node = 1; node <= 3; node++) {
      ManagedChannel ch = channel(node, "app");
      try {
        var kv =
            KvGrpc.newBlockingStub(ch)
                .withInterceptors(bearer(token))
                .withDeadlineAfter(15, TimeUnit.SECONDS);
        for (int i = 0; i < 4; i++) { // keys on both shards: some calls are forwarded
          assertThat(
                  kv.put(
                          PutRequest.newBuilder()
                              .setKey(ByteString.copyFromUtf8("orders/n" + node + "-" + i))
                              .setValue(ByteString.copyFromUtf8("v"))
                              .build())
                      .getVersion())
              .isPositive();
        }
      } finally {
        ch.shutdownNow();
      }
    }
  }

  @Test
  void callsWithoutAGoodCallerAreRefused() {
    ManagedChannel ch = channel(1, "app"); // a client certificate that names no user
    try {
      var kv = KvGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
      PutRequest put =
          PutRequest.newBuilder()
              .setKey(ByteString.copyFromUtf8("orders/anon"))
              .setValue(ByteString.copyFromUtf8("x"))
              .build();
      assertCode(() -> kv.put(put), Status.Code.UNAUTHENTICATED);
      assertCode(
          () -> kv.withInterceptors(bearer("ct1.1.YWRtaW4.1.99999999999999.AA.AA")).put(put),
          Status.Code.UNAUTHENTICATED);
      assertCode(
          () ->
              AuthGrpc.newBlockingStub(ch)
                  .withDeadlineAfter(10, TimeUnit.SECONDS)
                  .authenticate(
                      AuthenticateRequest.newBuilder()
                          .setUser("alice")
                          .setPassword("wrong")
                          .build()),
          Status.Code.UNAUTHENTICATED);
      assertCode(
          () ->
              ClusterGrpc.newBlockingStub(ch)
                  .withDeadlineAfter(10, TimeUnit.SECONDS)
                  .getShardMap(GetShardMapRequest.getDefaultInstance()),
          Status.Code.UNAUTHENTICATED);
    } finally {
      ch.shutdownNow();
    }
    assertThat(operator.get("orders/anon").found()).isFalse();
  }

  @Test
  void passwordGuessingFromOneAddressIsThrottledWhileOtherAddressesLogIn() {
    // The guesses leave from 127.0.0.9, so the other tests' logins (from 127.0.0.1) are not held
    // up.
    ManagedChannel guesser = channel(1, "app", "127.0.0.9");
    try {
      var auth = AuthGrpc.newBlockingStub(guesser);
      int refusedAt = -1;
      for (int i = 0; i < 30 && refusedAt < 0; i++) {
        try {
          auth.withDeadlineAfter(10, TimeUnit.SECONDS)
              .authenticate(
                  AuthenticateRequest.newBuilder()
                      .setUser("alice")
                      .setPassword("guess-" + i)
                      .build());
          throw new AssertionError("guess " + i + " logged in");
        } catch (StatusRuntimeException e) {
          if (e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
            assertThat(e.getStatus().getDescription()).contains("too many logins from 127.0.0.9");
            refusedAt = i;
          } else {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
          }
        }
      }
      // A burst of 10 failures, then one per 2 s: the checks take far less than 2 s each here.
      assertThat(refusedAt).isBetween(10, 12);
      // Refused before the password is checked: the right one waits too.
      assertCode(
          () ->
              auth.withDeadlineAfter(10, TimeUnit.SECONDS)
                  .authenticate(
                      AuthenticateRequest.newBuilder()
                          .setUser("alice")
                          .setPassword("alice-secret")
                          .build()),
          Status.Code.RESOURCE_EXHAUSTED);
    } finally {
      guesser.shutdownNow();
    }
    assertThat(authenticate(1, "alice", "alice-secret")).startsWith("ct1.");
  }

  @Test
  void aClientCertificateNamingAUserActsAsThatUser() {
    ManagedChannel ch = channel(2, "carol");
    try {
      var kv = KvGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
      assertThat(
              kv.get(
                      io.cairn.proto.GetRequest.newBuilder()
                          .setKey(ByteString.copyFromUtf8("audit/seed"))
                          .build())
                  .getFound())
          .isTrue();
      assertCode(
          () ->
              kv.put(
                  PutRequest.newBuilder()
                      .setKey(ByteString.copyFromUtf8("audit/carol"))
                      .setValue(ByteString.copyFromUtf8("x"))
                      .build()),
          Status.Code.PERMISSION_DENIED);
    } finally {
      ch.shutdownNow();
    }
  }

  @Test
  void noMapAClientGetsHoldsUsersOrHashes() {
    try (BlockingCairnClient admin = asUser("admin", "admin-secret")) {
      assertThat(admin.shardMap().hasAuth()).isFalse();
      assertThat(admin.routing().getMap().hasAuth()).isFalse();
      assertThat(admin.setNodeState("n3", io.cairn.proto.NodeState.NODE_ACTIVE).hasAuth())
          .isFalse();
      assertThat(admin.listAuth().toString()).doesNotContain("$2b$");
    }
  }

  @Test
  void aDeletedUsersTokenStopsWorking() {
    operator.putUser("dave", "dave-secret", List.of("orders-rw"));
    String token = authenticate(3, "dave", "dave-secret");
    ManagedChannel ch = channel(3, "app");
    try {
      var kv = KvGrpc.newBlockingStub(ch).withInterceptors(bearer(token));
      PutRequest put =
          PutRequest.newBuilder()
              .setKey(ByteString.copyFromUtf8("orders/dave"))
              .setValue(ByteString.copyFromUtf8("x"))
              .build();
      assertThat(kv.withDeadlineAfter(10, TimeUnit.SECONDS).put(put).getVersion()).isPositive();
      operator.deleteUser("dave");
      org.awaitility.Awaitility.await("n3 has the map without dave")
          .atMost(Duration.ofSeconds(20))
          .ignoreExceptions()
          .untilAsserted(
              () ->
                  assertCode(
                      () -> kv.withDeadlineAfter(10, TimeUnit.SECONDS).put(put),
                      Status.Code.UNAUTHENTICATED));
    } finally {
      ch.shutdownNow();
    }
  }

  /** A caller minting client ids could push every other client's exactly-once session out. */
  @Test
  void aCallerMayStartOnlySoManyClientSessionsOnANode() {
    String token = authenticate(2, "flood", "flood-secret");
    ManagedChannel ch = channel(2, "app");
    try {
      var kv =
          KvGrpc.newBlockingStub(ch)
              .withInterceptors(bearer(token))
              .withDeadlineAfter(30, TimeUnit.SECONDS);
      for (int i = 0; i < SESSIONS_PER_CALLER; i++) {
        assertThat(kv.put(flooded(i)).getVersion()).isPositive();
      }
      assertCode(() -> kv.put(flooded(SESSIONS_PER_CALLER)), Status.Code.RESOURCE_EXHAUSTED);
      assertThat(
              kv.put(
                      flooded(0).toBuilder()
                          .setWriteId(flooded(0).getWriteId().toBuilder().setSequence(2))
                          .build())
                  .getVersion())
          .as("a session it started goes on")
          .isPositive();
    } finally {
      ch.shutdownNow();
    }
    assertThat(operator.get("orders/flood-" + SESSIONS_PER_CALLER).found()).isFalse();
    try (BlockingCairnClient alice = asUser("alice", "alice-secret")) {
      assertThat(alice.put("orders/after-flood", "x").version())
          .as("others unaffected")
          .isPositive();
    }
  }

  private static PutRequest flooded(int i) {
    return PutRequest.newBuilder()
        .setKey(ByteString.copyFromUtf8("orders/flood-" + i))
        .setValue(ByteString.copyFromUtf8("x"))
        .setWriteId(
            io.cairn.proto.WriteId.newBuilder()
                .setClientId(ByteString.copyFromUtf8(String.format("flood-client-%04d", i)))
                .setSequence(1))
        .build();
  }

  @Test
  void aPasswordChangeEndsTheTokensIssuedBeforeIt() {
    operator.putUser("frank", "frank-old", List.of("orders-rw"));
    String old = authenticate(1, "frank", "frank-old");
    operator.putUser("frank", "frank-new", List.of("orders-rw"));
    String fresh = authenticate(1, "frank", "frank-new");
    ManagedChannel ch = channel(1, "app");
    try {
      PutRequest put =
          PutRequest.newBuilder()
              .setKey(ByteString.copyFromUtf8("orders/frank"))
              .setValue(ByteString.copyFromUtf8("x"))
              .build();
      var kv = KvGrpc.newBlockingStub(ch);
      org.awaitility.Awaitility.await("n1 refuses the token of the old password")
          .atMost(Duration.ofSeconds(20))
          .ignoreExceptions()
          .untilAsserted(
              () ->
                  assertCode(
                      () ->
                          kv.withInterceptors(bearer(old))
                              .withDeadlineAfter(10, TimeUnit.SECONDS)
                              .put(put),
                      Status.Code.UNAUTHENTICATED));
      assertThat(
              kv.withInterceptors(bearer(fresh))
                  .withDeadlineAfter(10, TimeUnit.SECONDS)
                  .put(put)
                  .getVersion())
          .isPositive();
    } finally {
      ch.shutdownNow();
    }
  }

  /**
   * Client ids are scoped to their user: a user who learns another's client id writes into a
   * session of its own, never into the other's (whose cached results it would otherwise get).
   */
  @Test
  void aClientIdIsTheSessionOfItsUserOnly() {
    operator.putUser("grace", "grace-secret", List.of("orders-rw"));
    ByteString shared = ByteString.copyFromUtf8("shared-client-id");
    ManagedChannel ch = channel(1, "app");
    try {
      var asAlice =
          KvGrpc.newBlockingStub(ch)
              .withInterceptors(bearer(authenticate(1, "alice", "alice-secret")))
              .withDeadlineAfter(15, TimeUnit.SECONDS);
      var asGrace =
          KvGrpc.newBlockingStub(ch)
              .withInterceptors(bearer(authenticate(1, "grace", "grace-secret")))
              .withDeadlineAfter(15, TimeUnit.SECONDS);
      io.cairn.proto.WriteId id =
          io.cairn.proto.WriteId.newBuilder().setClientId(shared).setSequence(1).build();
      asAlice.put(
          PutRequest.newBuilder()
              .setKey(ByteString.copyFromUtf8("orders/alice-shared"))
              .setValue(ByteString.copyFromUtf8("a"))
              .setWriteId(id)
              .build());
      asGrace.put(
          PutRequest.newBuilder()
              .setKey(ByteString.copyFromUtf8("orders/grace-shared"))
              .setValue(ByteString.copyFromUtf8("g"))
              .setWriteId(id)
              .build());
      assertThat(operator.get("orders/grace-shared").found())
          .as("grace's write applied, not answered with alice's result")
          .isTrue();
      assertCode(
          () ->
              asGrace.put(
                  PutRequest.newBuilder()
                      .setKey(ByteString.copyFromUtf8("orders/long-id"))
                      .setValue(ByteString.copyFromUtf8("x"))
                      .setWriteId(id.toBuilder().setClientId(ByteString.copyFrom(new byte[65])))
                      .build()),
          Status.Code.INVALID_ARGUMENT);
    } finally {
      ch.shutdownNow();
    }
  }

  @Test
  void cairnctlManagesUsersAndLogsInWithUser() {
    String endpoints = String.join(",", cluster.endpoints());
    String[] asOperator = {
      "--endpoints",
      endpoints,
      "--tls-ca",
      clusterCa().toString(),
      "--tls-cert",
      dir.resolve("operator/operator.pem").toString(),
      "--tls-key",
      dir.resolve("operator/operator.key").toString()
    };
    assertThat(run("", concat(asOperator, "role", "put", "eve-r", "--readwrite", "eve/")).code())
        .isZero();
    Run put =
        run(
            "eve-secret\n",
            concat(asOperator, "user", "put", "eve", "--role", "eve-r", "--password-stdin"));
    assertThat(put.code()).as(put.err()).isZero();
    Run list = run("", concat(asOperator, "user", "list"));
    assertThat(list.out()).contains("eve\teve-r");
    // eve logs in with --user (the password from CAIRN_PASSWORD is not settable here, so through
    // the Java client's same credentials path) and is held to her role.
    try (BlockingCairnClient eve = asUser("eve", "eve-secret")) {
      assertThat(eve.put("eve/1", "x").version()).isPositive();
      assertDenied(() -> eve.put("orders/eve", "x"), "PERMISSION_DENIED");
    }
    Run denied =
        run(
            "",
            "--endpoints",
            endpoints,
            "--tls-ca",
            clusterCa().toString(),
            "--tls-cert",
            clientCa.resolve("app.pem").toString(),
            "--tls-key",
            clientCa.resolve("app.key").toString(),
            "put",
            "eve/2",
            "x");
    assertThat(denied.code()).as(denied.err()).isEqualTo(8);
    assertThat(denied.err()).contains("UNAUTHENTICATED");
  }

  // --- helpers

  private static Role role(String name, String prefix, Access access) {
    return Role.newBuilder()
        .setName(name)
        .addPermissions(
            Permission.newBuilder().setKeyPrefix(ByteString.copyFromUtf8(prefix)).setAccess(access))
        .build();
  }

  private static Path clusterCa() {
    return cluster.certificatesDir().resolve("ca.pem");
  }

  private static BlockingCairnClient client(ChannelFactory factory) {
    return new BlockingCairnClient(
        CairnClient.connect(
            ClientConfig.builder()
                .endpoints(cluster.endpoints())
                .requestTimeoutMs(15_000)
                .channelFactory(factory)
                .build()));
  }

  private static BlockingCairnClient asUser(String user, String password) {
    return client(
        ChannelFactory.tls(
            ClientTls.mutual(clusterCa(), clientCa.resolve("app.pem"), clientCa.resolve("app.key")),
            user,
            password));
  }

  private static ManagedChannel channel(int node, String certName) {
    return channel(node, certName, null);
  }

  /** A channel whose connections leave from {@code sourceAddress} (null: the system's choice). */
  private static ManagedChannel channel(int node, String certName, String sourceAddress) {
    String endpoint = cluster.endpoints().get(node - 1);
    int port = Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1));
    String host = endpoint.substring(0, endpoint.lastIndexOf(':'));
    NettyChannelBuilder b =
        NettyChannelBuilder.forAddress(
            host,
            port,
            ClientTls.mutual(
                    clusterCa(),
                    clientCa.resolve(certName + ".pem"),
                    clientCa.resolve(certName + ".key"))
                .credentials());
    if (sourceAddress != null) {
      b.localSocketPicker(
          new NettyChannelBuilder.LocalSocketPicker() {
            @Override
            public java.net.SocketAddress createSocketAddress(
                java.net.SocketAddress remote, io.grpc.Attributes attrs) {
              return new java.net.InetSocketAddress(sourceAddress, 0);
            }
          });
    }
    return b.build();
  }

  private static String authenticate(int node, String user, String password) {
    ManagedChannel ch = channel(node, "app");
    try {
      return AuthGrpc.newBlockingStub(ch)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .authenticate(
              AuthenticateRequest.newBuilder().setUser(user).setPassword(password).build())
          .getToken();
    } finally {
      ch.shutdownNow();
    }
  }

  private static io.grpc.ClientInterceptor bearer(String token) {
    Metadata m = new Metadata();
    m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    return MetadataUtils.newAttachHeadersInterceptor(m);
  }

  private static void assertDenied(Runnable call, String code) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.code().name()).isEqualTo(code));
  }

  private static void assertCode(Runnable call, Status.Code code) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code));
  }

  private record Run(int code, String out, String err) {}

  private static Run run(String stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        CairnCtl.execute(
            CairnCtl.commandLine(
                ChannelFactory.plaintext(),
                new StdStreams(
                    new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), out, err)),
            args);
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}

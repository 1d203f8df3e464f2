package io.cairn.tests.jepsen;

import io.cairn.cli.certs.CertificateAuthority;
import io.cairn.client.CairnClient;
import io.cairn.client.ChannelFactory;
import io.cairn.client.ClientTls;
import io.cairn.proto.Access;
import io.cairn.proto.Permission;
import io.cairn.proto.Role;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How a lab cluster's client port is secured, and what each kind of caller of a chaos run presents
 * there. With {@link Mode#AUTH} the run sees what a production deployment does: every call
 * authenticated and checked against a role, tokens renewed under faults, forwarded calls between
 * nodes over TLS.
 *
 * <ul>
 *   <li>The operator (leader lookups, membership changes, {@code cairnctl}) shows a certificate of
 *       the cluster CA, as an operator's tooling does: unrestricted.
 *   <li>The routed workload clients log in as user {@value #WORKLOAD_USER} with a password and send
 *       a token with every call (renewed every minute: {@value #TOKEN_TTL_MS} ms tokens).
 *   <li>The pinned senders show a client certificate whose name is user {@value #PINNED_USER}.
 * </ul>
 *
 * Both users hold one role that grants READ_WRITE on exactly the prefixes a run writes ({@link
 * #PREFIXES}): a call outside them would fail the run as PERMISSION_DENIED.
 */
public final class LabSecurity {

  /** The three ways a lab runs. */
  public enum Mode {
    /** Plaintext client port, open to every caller: the explicitly open configuration. */
    PLAIN,
    /** TLS on the client port (server certificate only), no users. */
    TLS,
    /** Mutual TLS on the client port and auth.enabled: users, roles and tokens. */
    AUTH;

    /** {@code plain}, {@code tls} or {@code auth}. */
    public static Mode parse(String name) {
      try {
        return valueOf(name.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "security must be plain, tls or auth, got '" + name + "'", e);
      }
    }

    public String flag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  static final String WORKLOAD_USER = "chaos";
  static final String PINNED_USER = "chaos-pinned";
  static final String ROLE = "chaos-rw";

  /** Key prefixes a run writes: the workload's keys, the forwarding check's, full-disk filler. */
  static final List<String> PREFIXES = List.of("k", "fwd-check-", "disk-fill-");

  /** Short enough that a token is renewed (a minute before expiry) during every run. */
  static final long TOKEN_TTL_MS = 120_000;

  private static final Duration CERT_VALIDITY = Duration.ofDays(2);

  private final Mode mode;
  private final Path dir;
  private final String password;

  private LabSecurity(Mode mode, Path dir, String password) {
    this.mode = mode;
    this.dir = dir;
    this.password = password;
  }

  /**
   * Makes what the nodes need before they start, under {@code workDir/security}: for {@link
   * Mode#AUTH} a client CA with the pinned user's certificate and the token key file.
   */
  public static LabSecurity prepare(Mode mode, Path workDir) {
    Path dir = workDir.resolve("security");
    byte[] secret = new byte[16];
    new SecureRandom().nextBytes(secret);
    LabSecurity security = new LabSecurity(mode, dir, HexFormat.of().formatHex(secret));
    if (mode == Mode.AUTH) {
      try {
        CertificateAuthority clients =
            CertificateAuthority.create("cairn-lab-clients", CERT_VALIDITY, Clock.systemUTC());
        clients.save(dir.resolve("client-ca"));
        clients.issue(PINNED_USER, List.of(), CERT_VALIDITY).save(dir, "pinned");
        // A certificate naming no user: the workload clients' identity is their token.
        clients.issue("chaos-app", List.of(), CERT_VALIDITY).save(dir, "app");
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        // Owner-only from the start: the key is never readable by others, not even for a moment.
        Files.createFile(
            security.tokenKeyFile(),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(
            security.tokenKeyFile(),
            "1=" + Base64.getEncoder().encodeToString(key) + "\n",
            StandardCharsets.US_ASCII);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot make the lab's client credentials in " + dir, e);
      }
    }
    return security;
  }

  public Mode mode() {
    return mode;
  }

  /** Config for every node. */
  public Map<String, String> nodeConfig() {
    Map<String, String> c = new LinkedHashMap<>();
    if (mode == Mode.PLAIN) {
      return c;
    }
    c.put("client-tls.enabled", "true");
    if (mode == Mode.AUTH) {
      c.put("client-tls.client-ca-file", dir.resolve("client-ca/ca.pem").toString());
      c.put("auth.enabled", "true");
      c.put("auth.token-key-file", tokenKeyFile().toString());
      c.put("auth.token-ttl-ms", Long.toString(TOKEN_TTL_MS));
    }
    return c;
  }

  /**
   * Issues the operator's certificate from the cluster CA, which exists once a node has started
   * ({@code certificates}: ProcessCluster's CA directory).
   */
  void issueOperator(Path certificates) {
    if (mode == Mode.PLAIN || Files.exists(dir.resolve("operator.pem"))) {
      return;
    }
    try {
      Files.createDirectories(dir);
      Files.copy(certificates.resolve("ca.pem"), clusterCa());
      CertificateAuthority.load(certificates, Clock.systemUTC())
          .issue("chaos-operator", List.of(), CERT_VALIDITY)
          .save(dir, "operator");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot issue the lab operator's certificate", e);
    }
  }

  /** With {@link Mode#AUTH}: the role and the two users of the run, made through the operator. */
  void grantWorkload(CairnClient operator) {
    if (mode != Mode.AUTH) {
      return;
    }
    Role.Builder role = Role.newBuilder().setName(ROLE);
    PREFIXES.forEach(
        p ->
            role.addPermissions(
                Permission.newBuilder()
                    .setKeyPrefix(com.google.protobuf.ByteString.copyFromUtf8(p))
                    .setAccess(Access.READ_WRITE)));
    try {
      operator.putRole(role.build()).get(30, TimeUnit.SECONDS);
      operator.putUser(WORKLOAD_USER, password, List.of(ROLE)).get(30, TimeUnit.SECONDS);
      // The pinned user logs in by certificate; its password is never used.
      operator.putUser(PINNED_USER, password + "-unused", List.of(ROLE)).get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot make the lab's users: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while making the lab's users", e);
    }
  }

  /** The transport of the operator's clients. */
  ChannelFactory operatorChannels() {
    return mode == Mode.PLAIN ? ChannelFactory.plaintext() : ChannelFactory.tls(operatorTls());
  }

  /** The transport of the routed workload clients. */
  ChannelFactory workloadChannels() {
    return switch (mode) {
      case PLAIN -> ChannelFactory.plaintext();
      case TLS -> ChannelFactory.tls(ClientTls.trusting(clusterCa()));
      case AUTH ->
          ChannelFactory.tls(
              ClientTls.mutual(clusterCa(), dir.resolve("app.pem"), dir.resolve("app.key")),
              WORKLOAD_USER,
              password);
    };
  }

  /** The transport of the pinned senders' raw gRPC channels. */
  ChannelCredentials pinnedCredentials() {
    return switch (mode) {
      case PLAIN -> InsecureChannelCredentials.create();
      case TLS -> ClientTls.trusting(clusterCa()).credentials();
      case AUTH ->
          ClientTls.mutual(clusterCa(), dir.resolve("pinned.pem"), dir.resolve("pinned.key"))
              .credentials();
    };
  }

  /** The TLS options {@code cairnctl} needs as the operator. */
  List<String> cliOptions() {
    List<String> options = new ArrayList<>();
    if (mode != Mode.PLAIN) {
      options.addAll(
          List.of(
              "--tls-ca",
              clusterCa().toString(),
              "--tls-cert",
              dir.resolve("operator.pem").toString(),
              "--tls-key",
              dir.resolve("operator.key").toString()));
    }
    return options;
  }

  private ClientTls operatorTls() {
    return ClientTls.mutual(clusterCa(), dir.resolve("operator.pem"), dir.resolve("operator.key"));
  }

  private Path clusterCa() {
    return dir.resolve("cluster-ca.pem");
  }

  private Path tokenKeyFile() {
    return dir.resolve("token-keys");
  }
}

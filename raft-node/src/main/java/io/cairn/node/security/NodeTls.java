package io.cairn.node.security;

import io.cairn.node.config.NodeConfig;
import io.cairn.node.runtime.Scheduler;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.grpc.util.AdvancedTlsX509TrustManager.Verification;
import io.grpc.util.CertificateUtils;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's TLS material (the peer-tls files, and the client CA when the client port asks clients
 * for certificates), and what it secures: the server sides of the peer port (node-to-node calls,
 * members only) and of the client port, and how the node dials other nodes.
 *
 * <p>Both ports serve the node's member certificate. The peer port accepts only client certificates
 * of the cluster CA; the client port accepts those of the client CA (client-tls.client-ca-file;
 * required when set) and of the cluster CA. Node-to-node calls check the callee's certificate
 * against the cluster CA and its address. Every file is re-read when it changes (checked every
 * client-tls.reload-ms), so a renewed certificate or CA takes effect for new connections without a
 * restart; a file that fails to load leaves the old material in place and is logged. The Raft port,
 * which Ratis serves, uses the same key and trust managers, so it follows the files too.
 */
public final class NodeTls implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeTls.class);

  private final NodeConfig.PeerTls peer;
  private final Path clientCaFile;
  private final AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
  private final AdvancedTlsX509TrustManager acceptedClients;
  private final AdvancedTlsX509TrustManager dialledNodes;
  private final AdvancedTlsX509TrustManager acceptedMembers;
  private volatile List<X509Certificate> memberCas = List.of();
  private List<FileStamp> loadedStamps = List.of();
  private final Scheduler.Cancellable reloads;

  private NodeTls(NodeConfig.PeerTls peer, NodeConfig.ClientTls client, Scheduler scheduler)
      throws IOException, GeneralSecurityException {
    this.peer = peer;
    this.clientCaFile = client.clientCaFile();
    acceptedClients =
        AdvancedTlsX509TrustManager.newBuilder()
            .setVerification(Verification.CERTIFICATE_ONLY_VERIFICATION)
            .build();
    dialledNodes =
        AdvancedTlsX509TrustManager.newBuilder()
            .setVerification(Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION)
            .build();
    acceptedMembers =
        AdvancedTlsX509TrustManager.newBuilder()
            .setVerification(Verification.CERTIFICATE_ONLY_VERIFICATION)
            .build();
    load();
    reloads =
        scheduler.repeat(
            "TLS file reload", this::reloadIfChanged, client.reloadMs(), client.reloadMs());
  }

  /**
   * The node's TLS, or {@link Optional#empty()} when peer-tls.insecure=true: then the Raft and peer
   * ports are open, and the client port plaintext (the config loader allows client TLS only with
   * the peer-tls files).
   */
  public static Optional<NodeTls> start(NodeConfig config, Scheduler scheduler) throws IOException {
    if (config.peerTls().insecure()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new NodeTls(config.peerTls(), config.clientTls(), scheduler));
    } catch (GeneralSecurityException e) {
      throw new IOException(
          "cannot load the node's TLS files ("
              + e.getMessage()
              + "); peer-tls.cert-file and key-file must be PEM, the key unencrypted PKCS#8, as"
              + " 'cairnctl certs node' writes them",
          e);
    }
  }

  /** The server side of the client port; plaintext without TLS. */
  public static ServerCredentials serverCredentials(Optional<NodeTls> tls) {
    return tls.map(NodeTls::serverCredentials).orElse(InsecureServerCredentials.create());
  }

  /**
   * The server side of the peer port: mutual TLS that admits certificates of the cluster CA only,
   * so a caller who is not a member (or an operator holding such a certificate) is turned away in
   * the handshake; plaintext without TLS.
   */
  public static ServerCredentials peerServerCredentials(Optional<NodeTls> tls) {
    return tls.map(NodeTls::peerServerCredentials).orElse(InsecureServerCredentials.create());
  }

  /** How this node dials other nodes' ports; plaintext without TLS. */
  public static ChannelCredentials channelCredentials(Optional<NodeTls> tls) {
    return tls.map(NodeTls::channelCredentials).orElse(InsecureChannelCredentials.create());
  }

  /**
   * The node's key pair as it is now (re-read when its files change), for the Raft port, which
   * Ratis serves: every handshake there, both ways, presents the current certificate.
   */
  public KeyManager keyManager() {
    return keys;
  }

  /**
   * What the Raft port trusts, both ways (Ratis takes one trust manager for its server and its
   * clients): certificates of the cluster CA as it is now; dialling, also that the callee's
   * certificate names the address dialled (gRPC asks for that check on every client handshake).
   */
  public TrustManager memberTrust() {
    return dialledNodes;
  }

  private ServerCredentials peerServerCredentials() {
    return TlsServerCredentials.newBuilder()
        .keyManager(keys)
        .trustManager(acceptedMembers)
        .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
        .build();
  }

  private ServerCredentials serverCredentials() {
    return TlsServerCredentials.newBuilder()
        .keyManager(keys)
        .trustManager(acceptedClients)
        // Without a client CA, clients need no certificate, but a node's must be checked.
        .clientAuth(
            clientCaFile == null
                ? TlsServerCredentials.ClientAuth.OPTIONAL
                : TlsServerCredentials.ClientAuth.REQUIRE)
        .build();
  }

  private ChannelCredentials channelCredentials() {
    return TlsChannelCredentials.newBuilder().keyManager(keys).trustManager(dialledNodes).build();
  }

  /** True if {@code leaf} was signed by the cluster CA: the caller is a cluster member. */
  public boolean isMember(X509Certificate leaf) {
    for (X509Certificate ca : memberCas) {
      if (leaf.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
        try {
          leaf.verify(ca.getPublicKey());
          return true;
        } catch (GeneralSecurityException e) {
          // Same name, other key: not our CA.
        }
      }
    }
    return false;
  }

  private synchronized void load() throws IOException, GeneralSecurityException {
    List<FileStamp> stamps = stamps();
    PrivateKey key;
    X509Certificate[] chain;
    List<X509Certificate> cas;
    List<X509Certificate> clientCas = new ArrayList<>();
    try (InputStream in = Files.newInputStream(peer.keyFile())) {
      key = CertificateUtils.getPrivateKey(in);
    }
    chain = certificates(peer.certFile());
    cas = List.of(certificates(peer.caFile()));
    if (clientCaFile != null) {
      clientCas.addAll(List.of(certificates(clientCaFile)));
    }
    clientCas.addAll(cas);
    requireMatch(chain[0], key);
    keys.updateIdentityCredentials(chain, key);
    acceptedClients.updateTrustCredentials(clientCas.toArray(X509Certificate[]::new));
    dialledNodes.updateTrustCredentials(cas.toArray(X509Certificate[]::new));
    acceptedMembers.updateTrustCredentials(cas.toArray(X509Certificate[]::new));
    memberCas = cas;
    loadedStamps = stamps;
  }

  private void reloadIfChanged() {
    try {
      if (stamps().equals(loadedStamps)) {
        return;
      }
      load();
      LOG.info("TLS files changed; new connections to the client and peer ports use them");
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      LOG.warn(
          "TLS files changed but cannot be loaded ({}); still using the previous ones",
          e.toString());
    }
  }

  private List<FileStamp> stamps() throws IOException {
    List<FileStamp> s = new ArrayList<>();
    for (Path p : List.of(peer.certFile(), peer.keyFile(), peer.caFile())) {
      s.add(FileStamp.of(p));
    }
    if (clientCaFile != null) {
      s.add(FileStamp.of(clientCaFile));
    }
    return s;
  }

  /**
   * The key must be the certificate's: a renewal writes the two files one after the other, and a
   * reload between the writes must keep the old pair rather than serve a certificate it cannot use.
   */
  private void requireMatch(X509Certificate cert, PrivateKey key) throws GeneralSecurityException {
    String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    byte[] probe = "cairn client-port key check".getBytes(StandardCharsets.US_ASCII);
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(key);
    signer.update(probe);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance(algorithm);
    verifier.initVerify(cert.getPublicKey());
    verifier.update(probe);
    if (!verifier.verify(signature)) {
      throw new GeneralSecurityException(
          peer.keyFile() + " is not the key of the certificate in " + peer.certFile());
    }
  }

  private static X509Certificate[] certificates(Path file)
      throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(file)) {
      X509Certificate[] certs = CertificateUtils.getX509Certificates(in);
      if (certs.length == 0) {
        throw new GeneralSecurityException(file + " holds no PEM certificate");
      }
      return certs;
    }
  }

  @Override
  public void close() {
    reloads.cancel();
  }

  /** What tells a changed file: its size and content hash (a copy may keep the old mtime). */
  private record FileStamp(Path path, long size, int contentHash) {
    static FileStamp of(Path p) throws IOException {
      byte[] bytes = Files.readAllBytes(p);
      return new FileStamp(p, bytes.length, Arrays.hashCode(bytes));
    }
  }
}

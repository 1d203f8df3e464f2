package io.cairn.cli.certs;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A cluster's own certificate authority: it signs the certificates that prove a process is a member
 * of the cluster (node-to-node mutual TLS) and, later, client identities. Keys are EC P-256 (fast
 * handshakes, small certificates); signatures SHA256withECDSA.
 *
 * <p>Holding the CA's private key lets anyone mint a member certificate: keep {@code ca.key} off
 * the nodes once their certificates are issued (docs/security.md).
 */
public final class CertificateAuthority {
  static final String CA_CERT = "ca.pem";
  static final String CA_KEY = "ca.key";
  private static final String SIGNATURE = "SHA256withECDSA";

  private final X509Certificate certificate;
  private final PrivateKey key;
  private final Clock clock;

  private CertificateAuthority(X509Certificate certificate, PrivateKey key, Clock clock) {
    this.certificate = certificate;
    this.key = key;
    this.clock = clock;
  }

  /** A new CA named after the cluster, valid from now for {@code validity}. */
  public static CertificateAuthority create(String clusterName, Duration validity, Clock clock) {
    KeyPair pair = newKeyPair();
    X500Name name = name("Cairn CA " + clusterName);
    Instant now = clock.instant();
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
                  name,
                  serial(),
                  Date.from(now.minus(Duration.ofMinutes(5))),
                  Date.from(now.plus(validity)),
                  name,
                  pair.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
              .addExtension(
                  Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  ext.createSubjectKeyIdentifier(pair.getPublic()));
      return new CertificateAuthority(sign(b, pair.getPrivate()), pair.getPrivate(), clock);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot create a CA certificate: " + e.getMessage(), e);
    }
  }

  /** The CA kept in {@code dir} by {@link #save}. */
  public static CertificateAuthority load(Path dir, Clock clock) throws IOException {
    Path certFile = dir.resolve(CA_CERT);
    Path keyFile = dir.resolve(CA_KEY);
    if (!Files.isRegularFile(certFile) || !Files.isRegularFile(keyFile)) {
      throw new IOException(
          "no CA in "
              + dir
              + " (expected "
              + CA_CERT
              + " and "
              + CA_KEY
              + "); create one with"
              + " 'cairnctl certs ca --dir "
              + dir
              + "'");
    }
    return new CertificateAuthority(
        PemFiles.readCertificate(certFile), PemFiles.readPrivateKey(keyFile), clock);
  }

  /** Writes ca.pem (readable by all) and ca.key (owner only) into {@code dir}. */
  public void save(Path dir) throws IOException {
    Files.createDirectories(dir);
    PemFiles.writeCertificate(dir.resolve(CA_CERT), certificate);
    PemFiles.writePrivateKey(dir.resolve(CA_KEY), key);
  }

  public X509Certificate certificate() {
    return certificate;
  }

  /**
   * A certificate for one member, usable both to serve and to connect (EKU serverAuth and
   * clientAuth, as node-to-node TLS needs both).
   *
   * @param commonName the member's identity, e.g. the node id
   * @param hosts the addresses it is reached at: IP literals become IP SANs, anything else a DNS
   *     SAN; TLS clients check the address they dialled against these
   */
  public Issued issue(String commonName, List<String> hosts, Duration validity) {
    if (commonName.isBlank()) {
      throw new IllegalArgumentException("a certificate needs a name (the node or user id)");
    }
    KeyPair pair = newKeyPair();
    Instant now = clock.instant();
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      GeneralName[] sans =
          hosts.stream().map(CertificateAuthority::san).toArray(GeneralName[]::new);
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
                  certificate,
                  serial(),
                  Date.from(now.minus(Duration.ofMinutes(5))),
                  Date.from(now.plus(validity)),
                  name(commonName),
                  pair.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(
                  Extension.keyUsage,
                  true,
                  new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
              .addExtension(
                  Extension.extendedKeyUsage,
                  false,
                  new ExtendedKeyUsage(
                      new KeyPurposeId[] {
                        KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                      }))
              .addExtension(
                  Extension.authorityKeyIdentifier,
                  false,
                  ext.createAuthorityKeyIdentifier(certificate))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  ext.createSubjectKeyIdentifier(pair.getPublic()));
      if (sans.length > 0) {
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans));
      }
      return new Issued(sign(b, key), pair.getPrivate());
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(
          "cannot issue a certificate for " + commonName + ": " + e.getMessage(), e);
    }
  }

  /** An issued certificate and its private key. */
  public record Issued(X509Certificate certificate, PrivateKey key) {
    /** Writes NAME.pem (readable by all) and NAME.key (owner only) into {@code dir}. */
    public void save(Path dir, String name) throws IOException {
      Files.createDirectories(dir);
      PemFiles.writeCertificate(dir.resolve(name + ".pem"), certificate);
      PemFiles.writePrivateKey(dir.resolve(name + ".key"), key);
    }
  }

  private static GeneralName san(String host) {
    return isIpLiteral(host)
        ? new GeneralName(GeneralName.iPAddress, host)
        : new GeneralName(GeneralName.dNSName, host);
  }

  static boolean isIpLiteral(String host) {
    return host.matches("\\d{1,3}(\\.\\d{1,3}){3}")
        || (host.contains(":") && host.matches("[0-9a-fA-F:.]+"));
  }

  private static X500Name name(String commonName) {
    return new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.O, "Cairn")
        .addRDN(BCStyle.CN, commonName)
        .build();
  }

  private static BigInteger serial() {
    return new BigInteger(127, new SecureRandom()).add(BigInteger.ONE);
  }

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK cannot make EC P-256 keys: " + e.getMessage(), e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer)
      throws GeneralSecurityException {
    try {
      X509CertificateHolder holder = b.build(new JcaContentSignerBuilder(SIGNATURE).build(signer));
      return new JcaX509CertificateConverter().getCertificate(holder);
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }
}

package io.cairn.cli.certs;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * PEM files as TLS stacks read them: certificates as {@code CERTIFICATE}, private keys as
 * unencrypted PKCS#8 {@code PRIVATE KEY} (what Netty, and so gRPC and Ratis, accept). Private keys
 * are written owner-only, and every file through a temporary file and a rename so a crash never
 * leaves half a key.
 */
final class PemFiles {
  private PemFiles() {}

  static void writeCertificate(Path file, X509Certificate certificate) throws IOException {
    AtomicFiles.write(file, pem(certificate), "rw-r--r--");
  }

  static void writePrivateKey(Path file, PrivateKey key) throws IOException {
    PemObject pkcs8 = new JcaPKCS8Generator(key, null).generate();
    AtomicFiles.write(file, pem(pkcs8), "rw-------");
  }

  static X509Certificate readCertificate(Path file) throws IOException {
    try {
      return (X509Certificate)
          CertificateFactory.getInstance("X.509")
              .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(file)));
    } catch (CertificateException e) {
      throw new IOException(file + " holds no X.509 certificate: " + e.getMessage(), e);
    }
  }

  static PrivateKey readPrivateKey(Path file) throws IOException {
    // PKCS#8 as written here, or the traditional EC form openssl writes.
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
        PEMParser parser = new PEMParser(r)) {
      Object o = parser.readObject();
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      if (o instanceof PrivateKeyInfo info) {
        return converter.getPrivateKey(info);
      }
      if (o instanceof PEMKeyPair pair) {
        return converter.getKeyPair(pair).getPrivate();
      }
      throw new IOException(file + " holds no unencrypted private key");
    }
  }

  private static String pem(Object o) throws IOException {
    StringWriter s = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(s)) {
      w.writeObject(o);
    }
    return s.toString();
  }
}

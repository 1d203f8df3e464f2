package io.cairn.client;

import io.grpc.ChannelCredentials;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How a client reaches a node's client port over TLS: the CA that signed the nodes' certificates
 * (the cluster's ca.pem), and, when the cluster asks clients to prove who they are, the client's
 * own certificate and key (PEM, the key unencrypted PKCS#8).
 *
 * <p>The client checks that the certificate a node presents names the address it dialled, so
 * endpoints must be the addresses in the nodes' certificates.
 */
public record ClientTls(Path caFile, Path certFile, Path keyFile) {
  public ClientTls {
    requireReadable("CA certificate", caFile);
    if ((certFile == null) != (keyFile == null)) {
      throw new IllegalArgumentException(
          "a client certificate needs both its certificate file and its key file; got only the "
              + (certFile == null ? "key" : "certificate"));
    }
    if (certFile != null) {
      requireReadable("client certificate", certFile);
      requireReadable("client key", keyFile);
    }
  }

  /** Server authentication only: the client trusts {@code caFile} and shows no certificate. */
  public static ClientTls trusting(Path caFile) {
    return new ClientTls(caFile, null, null);
  }

  /** Mutual TLS: the client also proves its identity with {@code certFile} and {@code keyFile}. */
  public static ClientTls mutual(Path caFile, Path certFile, Path keyFile) {
    return new ClientTls(caFile, certFile, keyFile);
  }

  /** gRPC credentials built from the files as they are now. */
  public ChannelCredentials credentials() {
    try {
      TlsChannelCredentials.Builder b =
          TlsChannelCredentials.newBuilder().trustManager(caFile.toFile());
      if (certFile != null) {
        b.keyManager(certFile.toFile(), keyFile.toFile());
      }
      return b.build();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read the TLS files " + this + ": " + e.getMessage(), e);
    }
  }

  private static void requireReadable(String what, Path file) {
    if (file == null) {
      throw new IllegalArgumentException("TLS needs the " + what + " file");
    }
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException(
          "the " + what + " file " + file + " does not exist or is not readable");
    }
  }
}

package io.cairn.ycsb;

import io.cairn.client.ChannelFactory;
import io.cairn.client.ClientTls;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The binding's transport from its properties: plaintext unless {@code cairn.tls-ca} names the CA
 * of the nodes' certificates; then TLS, mutual with {@code cairn.tls-cert} and {@code
 * cairn.tls-key}, and with {@code cairn.user} and {@code cairn.password} every call is made as that
 * user (a cluster with auth on, the default of a node).
 */
final class YcsbTransport {
  private YcsbTransport() {}

  /**
   * @throws IllegalArgumentException when the properties do not make one transport
   */
  static ChannelFactory from(Properties p) {
    String ca = p.getProperty("cairn.tls-ca", "").strip();
    String cert = p.getProperty("cairn.tls-cert", "").strip();
    String key = p.getProperty("cairn.tls-key", "").strip();
    String user = p.getProperty("cairn.user", "").strip();
    String password = p.getProperty("cairn.password", "");
    if (ca.isEmpty()) {
      if (!cert.isEmpty() || !key.isEmpty() || !user.isEmpty()) {
        throw new IllegalArgumentException(
            "cairn.tls-cert, cairn.tls-key and cairn.user need cairn.tls-ca (the CA that signed"
                + " the nodes' certificates): a password must not cross the network in clear");
      }
      return ChannelFactory.plaintext();
    }
    if (cert.isEmpty() != key.isEmpty()) {
      throw new IllegalArgumentException("cairn.tls-cert and cairn.tls-key go together");
    }
    ClientTls tls =
        cert.isEmpty()
            ? ClientTls.trusting(Path.of(ca))
            : ClientTls.mutual(Path.of(ca), Path.of(cert), Path.of(key));
    if (user.isEmpty()) {
      return ChannelFactory.tls(tls);
    }
    if (password.isEmpty()) {
      throw new IllegalArgumentException("cairn.user needs cairn.password");
    }
    return ChannelFactory.tls(tls, user, password);
  }
}

package io.cairn.node.api;

import io.cairn.node.security.NodeTls;
import io.grpc.Grpc;
import io.grpc.ServerCall;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * What a call's TLS client certificate says about its caller: whether the cluster CA signed it (a
 * member) and its common name. Worked out once per TLS session and kept in the session, as checking
 * a signature costs more than serving a read; a session is one connection's handshake, so a
 * certificate that changes comes with a new one.
 */
record TlsCaller(boolean member, String commonName) {
  private static final String SESSION_KEY = "io.cairn.caller";
  static final TlsCaller NONE = new TlsCaller(false, null);

  static TlsCaller of(NodeTls tls, ServerCall<?, ?> call) {
    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    if (session == null) {
      return NONE;
    }
    if (session.getValue(SESSION_KEY) instanceof TlsCaller known) {
      return known;
    }
    TlsCaller found = NONE;
    try {
      Certificate[] chain = session.getPeerCertificates();
      if (chain.length > 0 && chain[0] instanceof X509Certificate leaf) {
        found = new TlsCaller(tls.isMember(leaf), commonName(leaf));
      }
    } catch (SSLPeerUnverifiedException e) {
      // no client certificate
    }
    session.putValue(SESSION_KEY, found);
    return found;
  }

  boolean hasCertificate() {
    return member || commonName != null;
  }

  /** The subject's one common name; null if it has none, or more than one (ambiguous). */
  private static String commonName(X509Certificate cert) {
    String found = null;
    try {
      for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          if (found != null) {
            return null;
          }
          found = String.valueOf(rdn.getValue());
        }
      }
    } catch (InvalidNameException e) {
      return null;
    }
    return found;
  }
}

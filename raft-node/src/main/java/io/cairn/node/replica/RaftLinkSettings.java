package io.cairn.node.replica;

import io.cairn.node.config.NodeConfig;
import io.cairn.node.replica.link.LinkSettings;
import io.cairn.node.security.NodeTls;
import java.security.GeneralSecurityException;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/** The Raft links' settings from a node's config: the same TLS material as its Raft port. */
final class RaftLinkSettings {
  private RaftLinkSettings() {}

  static LinkSettings of(NodeConfig c, Optional<NodeTls> tls) {
    Optional<SSLContext> context = tls.map(RaftLinkSettings::context);
    int frameMax =
        (int)
            Math.min(
                Integer.MAX_VALUE - 1,
                Math.max(64L << 20, 4L * c.limits().valueBytesMax()) + (1 << 20));
    return new LinkSettings(
        (int) Math.min(c.raft().requestTimeoutMs(), 3_000),
        (int) c.raft().requestTimeoutMs(),
        frameMax,
        256,
        context);
  }

  private static SSLContext context(NodeTls tls) {
    try {
      SSLContext ctx = SSLContext.getInstance("TLSv1.3");
      ctx.init(new KeyManager[] {tls.keyManager()}, new TrustManager[] {tls.memberTrust()}, null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot set up TLS for Raft links: " + e.getMessage(), e);
    }
  }
}

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
  /**
   * A leader sends at least a heartbeat every half election timeout, and closes its links when it
   * stops leading: a link silent this long lost its leader without a word (a host that died), and
   * its follower closes it rather than hold a thread and a connection slot for ever.
   */
  static final int IDLE_TIMEOUT_MS = 60_000;

  private RaftLinkSettings() {}

  static LinkSettings of(NodeConfig c, Optional<NodeTls> tls) {
    Optional<SSLContext> context = tls.map(RaftLinkSettings::context);
    int frameMax =
        (int)
            Math.min(
                Integer.MAX_VALUE - 1,
                Math.max(
                        Math.max(64L << 20, 4L * c.limits().valueBytesMax()),
                        c.raft().snapshotChunkBytesMax())
                    + (1 << 20));
    int requestMs = c.raft().requestTimeoutMs();
    // One chunk at a time on a link: its transfer at the slowest link sized for, then the
    // follower's install, which a request timeout bounds as for any other call.
    long chunkMs =
        requestMs
            + (c.raft().snapshotChunkBytesMax() * 1000L
                    + RaftSettings.SNAPSHOT_BYTES_PER_SECOND_MIN
                    - 1)
                / RaftSettings.SNAPSHOT_BYTES_PER_SECOND_MIN;
    return new LinkSettings(
        Math.min(requestMs, 3_000),
        requestMs,
        (int) Math.min(Integer.MAX_VALUE, chunkMs),
        IDLE_TIMEOUT_MS,
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

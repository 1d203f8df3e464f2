package io.cairn.node.replica;

import io.cairn.node.security.NodeTls;
import java.util.Optional;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;

/**
 * The Ratis parameters that put every Raft conversation of this node behind mutual TLS: the server
 * port (which also carries Ratis' client and admin services, as Cairn never gives them ports of
 * their own), the node's own Raft clients, and the connections it makes to other servers. Only a
 * process holding a certificate signed by the cluster's CA can append, vote, submit an entry or
 * manage a group; anyone else fails the handshake before Ratis sees a byte.
 */
public final class PeerTlsParameters {
  private PeerTlsParameters() {}

  /**
   * The parameters for the node's TLS; empty ones (plaintext) when the port is configured open.
   * Ratis gets the node's key and trust managers rather than the files, so a renewed certificate or
   * CA is used by the next handshake without a restart, as on the client and peer ports.
   */
  public static Parameters of(Optional<NodeTls> tls) {
    Parameters p = new Parameters();
    if (tls.isEmpty()) {
      return p;
    }
    GrpcTlsConfig conf = new GrpcTlsConfig(tls.get().keyManager(), tls.get().memberTrust(), true);
    GrpcConfigKeys.Server.setTlsConf(p, conf);
    GrpcConfigKeys.Client.setTlsConf(p, conf);
    GrpcConfigKeys.Admin.setTlsConf(p, conf);
    return p;
  }
}

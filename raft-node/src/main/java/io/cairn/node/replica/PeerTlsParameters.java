package io.cairn.node.replica;

import io.cairn.node.config.NodeConfig;
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

  /** The parameters for {@code tls}; empty ones (plaintext) when the port is configured open. */
  public static Parameters of(NodeConfig.PeerTls tls) {
    Parameters p = new Parameters();
    if (tls.insecure()) {
      return p;
    }
    GrpcTlsConfig conf =
        new GrpcTlsConfig(
            tls.keyFile().toFile(), tls.certFile().toFile(), tls.caFile().toFile(), true);
    GrpcConfigKeys.Server.setTlsConf(p, conf);
    GrpcConfigKeys.Client.setTlsConf(p, conf);
    GrpcConfigKeys.Admin.setTlsConf(p, conf);
    return p;
  }
}

package io.cairn.node.replica.link;

import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;
import org.apache.ratis.client.ClientFactory;
import org.apache.ratis.client.RaftClientRpc;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerRpc;
import org.apache.ratis.server.ServerFactory;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;

/**
 * Ratis's gRPC transport with appends and snapshot chunks on Raft links of Cairn's own. Ratis finds
 * it by class name ({@code raft.rpc.type}) and builds it with no arguments; its settings come in
 * Ratis's {@code Parameters} under {@link LinkSettings#PARAMETER}.
 */
public final class LinkRpcType implements RpcType {
  @Override
  public String name() {
    return LinkRpcType.class.getName();
  }

  @Override
  public RpcFactory newFactory(Parameters parameters) {
    LinkSettings settings = parameters.get(LinkSettings.PARAMETER, LinkSettings.class);
    if (settings == null) {
      throw new IllegalArgumentException(
          "raft.rpc.type is " + name() + " but the parameters carry no " + LinkSettings.PARAMETER);
    }
    return new Factory(new GrpcFactory(parameters), settings, this);
  }

  /** Parameters that select this transport with the settings given. */
  public static void configure(
      RaftProperties properties, Parameters parameters, LinkSettings settings) {
    org.apache.ratis.RaftConfigKeys.Rpc.setType(properties, new LinkRpcType());
    parameters.put(LinkSettings.PARAMETER, settings, LinkSettings.class);
  }

  private static final class Factory implements ServerFactory, ClientFactory {
    private final GrpcFactory grpc;
    private final LinkSettings settings;
    private final RpcType type;

    Factory(GrpcFactory grpc, LinkSettings settings, RpcType type) {
      this.grpc = grpc;
      this.settings = settings;
      this.type = type;
    }

    @Override
    public RpcType getRpcType() {
      return type;
    }

    /** Ratis's appender that sends one request at a time on its own thread: see LinkConnection. */
    @Override
    public LogAppender newLogAppender(
        RaftServer.Division server, LeaderState state, FollowerInfo f) {
      return LogAppender.newLogAppenderDefault(server, state, f);
    }

    @Override
    public RaftServerRpc newRaftServerRpc(RaftServer server) {
      SocketFactory dial =
          settings
              .tls()
              .<SocketFactory>map(SSLContext::getSocketFactory)
              .orElse(SocketFactory.getDefault());
      return new LinkServerRpc(grpc.newRaftServerRpc(server), type, settings, dial);
    }

    @Override
    public RaftClientRpc newRaftClientRpc(ClientId clientId, RaftProperties properties) {
      return grpc.newRaftClientRpc(clientId, properties);
    }
  }
}

package io.cairn.node.replica.link;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.SocketFactory;
import org.apache.ratis.metrics.Timekeeper;
import org.apache.ratis.proto.RaftProtos.AppendEntriesReplyProto;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotReplyProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteReplyProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteRequestProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionReplyProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionRequestProto;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServerRpc;
import org.apache.ratis.server.protocol.RaftServerAsynchronousProtocol;
import org.apache.ratis.thirdparty.com.google.protobuf.InvalidProtocolBufferException;
import org.apache.ratis.thirdparty.com.google.protobuf.MessageLite;
import org.apache.ratis.thirdparty.com.google.protobuf.Parser;

/**
 * Ratis's gRPC server with the leader-to-follower traffic moved onto Raft links: appends and
 * snapshot chunks go over {@link LinkConnection}s and arrive at the peer's {@link LinkServer},
 * which the node runs beside Ratis. Everything else (votes, elections, Ratis's client and admin
 * services) stays on gRPC.
 */
final class LinkServerRpc implements RaftServerRpc {
  private final RaftServerRpc grpc;
  private final RpcType type;
  private final LinkSettings settings;
  private final SocketFactory dialer;
  private final Map<RaftPeerId, InetSocketAddress> linkAddresses = new ConcurrentHashMap<>();
  private final Map<Route, LinkConnection> connections = new ConcurrentHashMap<>();
  private final LinkAppendTimers appendTimers = new LinkAppendTimers();

  LinkServerRpc(RaftServerRpc grpc, RpcType type, LinkSettings settings, SocketFactory dialer) {
    this.grpc = grpc;
    this.type = type;
    this.settings = settings;
    this.dialer = dialer;
  }

  private record Route(RaftPeerId peer, RaftGroupId group) {}

  @Override
  public void start() throws IOException {
    grpc.start();
  }

  @Override
  public InetSocketAddress getInetSocketAddress() {
    return grpc.getInetSocketAddress();
  }

  @Override
  public InetSocketAddress getClientServerAddress() {
    return grpc.getClientServerAddress();
  }

  @Override
  public InetSocketAddress getAdminServerAddress() {
    return grpc.getAdminServerAddress();
  }

  @Override
  public RpcType getRpcType() {
    return type;
  }

  @Override
  public void addRaftPeers(Collection<RaftPeer> peers) {
    for (RaftPeer p : peers) {
      InetSocketAddress now = LinkSettings.linkAddressOf(p.getAddress());
      InetSocketAddress before = linkAddresses.put(p.getId(), now);
      if (before != null && !before.equals(now)) {
        // The peer moved: links to its old address must not be used again.
        closeLinks(route -> route.peer().equals(p.getId()));
      }
    }
    grpc.addRaftPeers(peers);
  }

  /**
   * A failed call has closed its own link already (LinkConnection), and only its own: the other
   * groups' links to the same peer may be fine.
   */
  @Override
  public void handleException(RaftPeerId serverId, Exception e, boolean reconnect) {
    grpc.handleException(serverId, e, reconnect);
  }

  /**
   * Ratis calls this as a replica stops leading, after telling its appenders to stop; it waits for
   * them before the replica answers the new leader. An appender blocked reading a silent follower's
   * answer would not see an interrupt, so its socket is closed here: the read fails at once.
   */
  @Override
  public void notifyNotLeader(RaftGroupId groupId) {
    closeLinks(route -> route.group().equals(groupId));
    grpc.notifyNotLeader(groupId);
  }

  /** Closes and forgets the links on the routes given; the next call on such a route dials anew. */
  private void closeLinks(java.util.function.Predicate<Route> which) {
    connections
        .entrySet()
        .removeIf(
            e -> {
              boolean closing = which.test(e.getKey());
              if (closing) {
                e.getValue().close();
              }
              return closing;
            });
  }

  @Override
  public RaftServerAsynchronousProtocol async() {
    return grpc.async();
  }

  @Override
  public RequestVoteReplyProto requestVote(RequestVoteRequestProto request) throws IOException {
    return grpc.requestVote(request);
  }

  @Override
  public StartLeaderElectionReplyProto startLeaderElection(StartLeaderElectionRequestProto request)
      throws IOException {
    return grpc.startLeaderElection(request);
  }

  @Override
  public AppendEntriesReplyProto appendEntries(AppendEntriesRequestProto request)
      throws IOException {
    if (request.getEntriesCount() == 0) {
      return sendAppend(request);
    }
    RaftRpcRequestProto h = request.getServerRequest();
    Timekeeper.Context timing =
        appendTimers
            .of(
                RaftPeerId.valueOf(h.getRequestorId()),
                RaftGroupId.valueOf(h.getRaftGroupId().getId()),
                RaftPeerId.valueOf(h.getReplyId()))
            .time();
    AppendEntriesReplyProto reply = sendAppend(request);
    timing.stop();
    return reply;
  }

  private AppendEntriesReplyProto sendAppend(AppendEntriesRequestProto request) throws IOException {
    return call(
        request.getServerRequest(),
        LinkFrames.APPEND,
        request,
        LinkFrames.APPEND_REPLY,
        AppendEntriesReplyProto.parser(),
        settings.requestTimeoutMs());
  }

  @Override
  public InstallSnapshotReplyProto installSnapshot(InstallSnapshotRequestProto request)
      throws IOException {
    return call(
        request.getServerRequest(),
        LinkFrames.SNAPSHOT,
        request,
        LinkFrames.SNAPSHOT_REPLY,
        InstallSnapshotReplyProto.parser(),
        settings.snapshotChunkTimeoutMs());
  }

  private <T> T call(
      RaftRpcRequestProto header,
      byte kind,
      MessageLite request,
      byte answerKind,
      Parser<T> parser,
      int timeoutMs)
      throws IOException {
    RaftPeerId peer = RaftPeerId.valueOf(header.getReplyId());
    RaftGroupId group = RaftGroupId.valueOf(header.getRaftGroupId().getId());
    InetSocketAddress target = linkAddresses.get(peer);
    if (target == null) {
      throw new IOException("no address known for peer " + peer + " yet");
    }
    LinkConnection c =
        connections.computeIfAbsent(
            new Route(peer, group),
            r ->
                new LinkConnection(
                    target, dialer, settings.connectTimeoutMs(), settings.frameBytesMax()));
    byte[] body = c.call(kind, request, answerKind, timeoutMs);
    try {
      return parser.parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      c.close();
      throw new LinkFrames.LinkProtocolException(
          "malformed answer from " + peer + ": " + e.getMessage());
    }
  }

  @Override
  public void close() throws IOException {
    connections.values().forEach(LinkConnection::close);
    grpc.close();
  }
}

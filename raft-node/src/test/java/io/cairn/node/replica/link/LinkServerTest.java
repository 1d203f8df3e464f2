package io.cairn.node.replica.link;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.node.testing.FreePorts;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.ratis.proto.RaftProtos.AppendEntriesReplyProto;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcReplyProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.server.RaftServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A link server in front of a stand-in Ratis server that records what reaches it: well-formed
 * appends get Ratis's answer back, anything else closes the connection before Ratis sees it, and
 * the server keeps serving other connections.
 */
class LinkServerTest {
  private static final int FRAME_MAX = 1 << 16;
  private static final int IDLE_MS = 1_000;

  private final List<AppendEntriesRequestProto> appended = new CopyOnWriteArrayList<>();
  private LinkServer server;

  @BeforeEach
  void start() throws IOException {
    RaftServer ratis =
        (RaftServer)
            Proxy.newProxyInstance(
                RaftServer.class.getClassLoader(),
                new Class<?>[] {RaftServer.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("appendEntriesAsync")) {
                    AppendEntriesRequestProto r = (AppendEntriesRequestProto) args[0];
                    appended.add(r);
                    return CompletableFuture.completedFuture(replyTo(r));
                  }
                  throw new UnsupportedOperationException(method.getName());
                });
    server =
        new LinkServer(
            ratis,
            new InetSocketAddress("127.0.0.1", FreePorts.takeOne()),
            new LinkSettings(2_000, 2_000, 2_000, IDLE_MS, FRAME_MAX, 4, Optional.empty()));
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void anAppendIsHandedToRatisAndItsAnswerComesBack() throws IOException {
    try (LinkConnection c = connection()) {
      for (long callId = 1; callId <= 3; callId++) {
        byte[] body = c.call(LinkFrames.APPEND, append(callId), LinkFrames.APPEND_REPLY, 2_000);
        assertThat(AppendEntriesReplyProto.parseFrom(body).getServerReply().getCallId())
            .isEqualTo(callId);
      }
    }
    assertThat(appended).hasSize(3);
  }

  @Test
  void aFrameAboveTheLimitClosesTheConnectionUnread() throws IOException {
    try (Socket s = raw()) {
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      out.writeInt(FRAME_MAX + 1);
      out.writeByte(LinkFrames.APPEND);
      out.flush();
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
    assertThat(appended).isEmpty();
    anAppendStillGetsThrough();
  }

  @Test
  void aMalformedAppendClosesTheConnectionAndReachesNoReplica() throws IOException {
    try (Socket s = raw()) {
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      byte[] garbage = {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01, 0x02};
      LinkFrames.write(out, LinkFrames.APPEND, garbage);
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
    assertThat(appended).isEmpty();
    anAppendStillGetsThrough();
  }

  @Test
  void anUnknownKindClosesTheConnection() throws IOException {
    try (Socket s = raw()) {
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      LinkFrames.write(out, (byte) 42, append(1));
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
    assertThat(appended).isEmpty();
  }

  @Test
  void connectionsAboveTheCapAreRefusedAndTheSlotsComeBack() throws IOException {
    List<Socket> held = new CopyOnWriteArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        Socket s = raw();
        held.add(s);
        // A round trip proves the server has taken this connection's slot.
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        LinkFrames.write(out, LinkFrames.APPEND, append(i));
        LinkFrames.read(new DataInputStream(s.getInputStream()), FRAME_MAX);
      }
      try (Socket fifth = raw()) {
        assertThat(fifth.getInputStream().read()).isEqualTo(-1);
      }
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
    // Closed connections give their slots back.
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .untilAsserted(this::anAppendStillGetsThrough);
  }

  @Test
  void aSilentLinkIsClosedAfterItsIdleTime() throws IOException {
    try (Socket s = raw()) {
      // raw() reads with a 5 s timeout: the end of stream must come from the server's 1 s.
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
  }

  private void anAppendStillGetsThrough() throws IOException {
    try (LinkConnection c = connection()) {
      c.call(LinkFrames.APPEND, append(99), LinkFrames.APPEND_REPLY, 2_000);
    }
  }

  private LinkConnection connection() {
    return new LinkConnection(
        server.address(), javax.net.SocketFactory.getDefault(), 2_000, FRAME_MAX);
  }

  private Socket raw() throws IOException {
    Socket s = new Socket();
    s.connect(server.address(), 2_000);
    s.setSoTimeout(5_000);
    return s;
  }

  private static AppendEntriesRequestProto append(long callId) {
    return AppendEntriesRequestProto.newBuilder()
        .setServerRequest(RaftRpcRequestProto.newBuilder().setCallId(callId))
        .setLeaderTerm(1)
        .build();
  }

  private static AppendEntriesReplyProto replyTo(AppendEntriesRequestProto r) {
    return AppendEntriesReplyProto.newBuilder()
        .setServerReply(RaftRpcReplyProto.newBuilder().setCallId(r.getServerRequest().getCallId()))
        .setResult(AppendEntriesReplyProto.AppendResult.SUCCESS)
        .build();
  }
}

package io.cairn.node.replica.link;

import io.cairn.node.replica.link.LinkFrames.Frame;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;
import javax.net.ServerSocketFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotRequestProto;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.InvalidProtocolBufferException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving end of Raft links: appends and snapshot chunks from leaders on other nodes.
 *
 * <p>Each connection has a thread of its own that reads a request and hands it to Ratis on that
 * thread, and the answer is written by whichever thread completes it. That is the point of the
 * link: Ratis's gRPC transport passes every append from a Netty thread to a gRPC executor, and
 * every answer back to a Netty thread. A request that blocks (a snapshot chunk being written) holds
 * up only its own connection, which carries one leader's appends to one replica.
 *
 * <p>A connection that sends anything but a well-formed request is closed before Ratis sees it.
 */
public final class LinkServer implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(LinkServer.class);

  private static final long ACCEPT_RETRY_NANOS = 10_000_000L;

  private final RaftServer server;
  private final InetSocketAddress bindAddress;
  private final ServerSocketFactory sockets;
  private final int frameBytesMax;
  private final int handshakeTimeoutMs;
  private final int idleTimeoutMs;
  private final Semaphore connectionSlots;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile ServerSocket listener;
  private volatile boolean closed;

  /**
   * A server for {@code server}'s replicas on {@code bindAddress}; with TLS, it takes only peers
   * whose certificate the context's trust manager accepts.
   */
  public LinkServer(RaftServer server, InetSocketAddress bindAddress, LinkSettings settings) {
    this.server = server;
    this.bindAddress = bindAddress;
    this.sockets =
        settings
            .tls()
            .<ServerSocketFactory>map(SSLContext::getServerSocketFactory)
            .orElse(ServerSocketFactory.getDefault());
    this.frameBytesMax = settings.frameBytesMax();
    this.connectionSlots = new Semaphore(settings.connectionsMax());
    this.handshakeTimeoutMs = settings.connectTimeoutMs();
    this.idleTimeoutMs = settings.idleTimeoutMs();
  }

  public void start() throws IOException {
    ServerSocket s = sockets.createServerSocket();
    if (s instanceof SSLServerSocket tls) {
      tls.setNeedClientAuth(true);
    }
    s.setReuseAddress(true);
    s.bind(bindAddress, 64);
    listener = s;
    Thread acceptor = new Thread(this::acceptLoop, "raft-link-accept-" + bindAddress.getPort());
    acceptor.setDaemon(true);
    acceptor.start();
    LOG.info("Raft links served on {}", bindAddress);
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) listener.getLocalSocketAddress();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket socket;
      try {
        socket = listener.accept();
      } catch (IOException e) {
        if (!closed) {
          LOG.warn("Raft link accept on {} failed", bindAddress, e);
          // Out of file descriptors, say: do not spin on it.
          LockSupport.parkNanos(ACCEPT_RETRY_NANOS);
        }
        continue;
      }
      if (!connectionSlots.tryAcquire()) {
        LOG.warn("Raft link from {} refused: too many open links", socket.getRemoteSocketAddress());
        closeQuietly(socket);
        continue;
      }
      open.add(socket);
      Thread t =
          new Thread(() -> serve(socket), "raft-link-from-" + socket.getRemoteSocketAddress());
      t.setDaemon(true);
      t.start();
    }
  }

  private void serve(Socket socket) {
    try {
      socket.setTcpNoDelay(true);
      if (socket instanceof SSLSocket tls) {
        // A peer that connects and says nothing must not hold a thread for ever.
        socket.setSoTimeout(handshakeTimeoutMs);
        tls.startHandshake();
      }
      // A silent link lost its leader without a word (a host that died): see RaftLinkSettings.
      socket.setSoTimeout(idleTimeoutMs);
      DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
      DataOutputStream out =
          new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 64 << 10));
      while (!closed) {
        Frame frame = LinkFrames.read(in, frameBytesMax);
        handle(frame, out);
      }
    } catch (java.net.SocketTimeoutException e) {
      LOG.info(
          "Raft link from {} closed: silent past its timeout", socket.getRemoteSocketAddress());
    } catch (EOFException | SocketException e) {
      LOG.debug("Raft link from {} ended", socket.getRemoteSocketAddress(), e);
    } catch (IOException e) {
      if (!closed) {
        LOG.warn("Raft link from {} closed: {}", socket.getRemoteSocketAddress(), e.toString());
      }
    } catch (RuntimeException e) {
      LOG.warn("Raft link from {} closed", socket.getRemoteSocketAddress(), e);
    } finally {
      open.remove(socket);
      closeQuietly(socket);
      connectionSlots.release();
    }
  }

  private void handle(Frame frame, DataOutputStream out) throws IOException {
    switch (frame.kind()) {
      case LinkFrames.APPEND -> {
        AppendEntriesRequestProto request = parseAppend(frame.body());
        // Ratis appends to its log queue on this thread (compose is off, RaftSettings) and
        // completes the future once the entries are durable; the answer goes out from there.
        server
            .appendEntriesAsync(request)
            .whenComplete(
                (reply, error) -> {
                  try {
                    synchronized (out) {
                      if (error != null) {
                        LinkFrames.write(out, LinkFrames.FAILURE, reason(error));
                      } else {
                        LinkFrames.write(out, LinkFrames.APPEND_REPLY, reply);
                      }
                    }
                  } catch (IOException e) {
                    LOG.debug("Raft link answer not sent", e);
                  }
                });
      }
      case LinkFrames.SNAPSHOT -> {
        InstallSnapshotRequestProto request = parseSnapshot(frame.body());
        byte kind;
        byte[] body;
        try {
          body = server.installSnapshot(request).toByteArray();
          kind = LinkFrames.SNAPSHOT_REPLY;
        } catch (IOException | RuntimeException e) {
          body = reason(e);
          kind = LinkFrames.FAILURE;
        }
        synchronized (out) {
          LinkFrames.write(out, kind, body);
        }
      }
      default ->
          throw new LinkFrames.LinkProtocolException(
              "unknown request kind "
                  + frame.kind()
                  + "; is the peer running another Cairn version?");
    }
  }

  private static AppendEntriesRequestProto parseAppend(byte[] body) throws IOException {
    try {
      return AppendEntriesRequestProto.parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      throw new LinkFrames.LinkProtocolException("malformed append: " + e.getMessage());
    }
  }

  private static InstallSnapshotRequestProto parseSnapshot(byte[] body) throws IOException {
    try {
      return InstallSnapshotRequestProto.parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      throw new LinkFrames.LinkProtocolException("malformed snapshot chunk: " + e.getMessage());
    }
  }

  private static byte[] reason(Throwable error) {
    Throwable cause = error;
    while (cause.getCause() != null
        && (cause instanceof java.util.concurrent.CompletionException
            || cause instanceof java.util.concurrent.ExecutionException)) {
      cause = cause.getCause();
    }
    String text = cause.getClass().getSimpleName() + ": " + cause.getMessage();
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    closed = true;
    ServerSocket s = listener;
    if (s != null) {
      closeQuietly(s);
    }
    for (Socket socket : open) {
      closeQuietly(socket);
    }
  }

  private static void closeQuietly(Closeable c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // Closing; nothing to do with a failure.
    }
  }
}

package io.cairn.node.replica.link;

import io.cairn.node.replica.link.LinkFrames.Frame;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import javax.net.SocketFactory;
import javax.net.ssl.SSLSocket;
import org.apache.ratis.thirdparty.com.google.protobuf.MessageLite;

/**
 * One leader replica's link to one follower: a request, then its answer, on the calling thread.
 *
 * <p>Ratis's default log appender sends one request at a time and waits for its answer, so the
 * appender's own thread writes to the socket and reads the answer: no thread is woken on this side
 * but the appender. Any failure closes the socket; the next call opens a new one.
 */
final class LinkConnection implements Closeable {
  private final InetSocketAddress target;
  private final SocketFactory sockets;
  private final int connectTimeoutMs;
  private final int frameBytesMax;

  /**
   * The longest wait between dials of a peer that is down. Below the 300 ms minimum election
   * timeout would spare nothing; a restarted follower's pre-votes fail while the others hear from
   * the leader, so a wait of this length disrupts nothing.
   */
  static final long BACKOFF_MAX_MS = 500;

  private volatile Socket socket;
  private int failedDials;
  private DataInputStream in;
  private DataOutputStream out;

  LinkConnection(
      InetSocketAddress target, SocketFactory sockets, int connectTimeoutMs, int frameBytesMax) {
    this.target = target;
    this.sockets = sockets;
    this.connectTimeoutMs = connectTimeoutMs;
    this.frameBytesMax = frameBytesMax;
  }

  /** Sends the request and returns the answer's body, or throws if it is not of the kind given. */
  synchronized byte[] call(byte kind, MessageLite request, byte answerKind, int timeoutMs)
      throws IOException {
    try {
      open(timeoutMs);
      LinkFrames.write(out, kind, request);
      Frame answer = LinkFrames.read(in, frameBytesMax);
      if (answer.kind() == answerKind) {
        return answer.body();
      }
      if (answer.kind() == LinkFrames.FAILURE) {
        // The request reached the follower and failed there; the link itself is fine.
        throw new RemoteFailureException(
            target + ": " + new String(answer.body(), StandardCharsets.UTF_8));
      }
      throw new LinkFrames.LinkProtocolException(
          target + " answered with kind " + answer.kind() + " where " + answerKind + " was due");
    } catch (RemoteFailureException e) {
      throw e;
    } catch (java.net.SocketTimeoutException e) {
      closeSocket();
      // Not an InterruptedIOException, which is what a timeout is to Java: Ratis's appender takes
      // that for its own stop and ends, and its leader starts a new one. A silent follower is an
      // error like any other, to be tried again.
      throw new IOException(
          "no answer from " + target + " within " + timeoutMs + " ms: " + e.getMessage());
    } catch (IOException | RuntimeException e) {
      closeSocket();
      throw e;
    }
  }

  private void open(int timeoutMs) throws IOException {
    if (socket != null && socket.isClosed()) {
      closeSocket(); // closed from outside (the replica stopped leading): dial again
    }
    if (socket == null) {
      waitOutBackoff();
      Socket s = sockets.createSocket();
      try {
        s.setTcpNoDelay(true);
        // Resolved at each connect, so a peer whose name moves is found again.
        s.connect(
            new InetSocketAddress(target.getHostString(), target.getPort()), connectTimeoutMs);
        s.setSoTimeout(timeoutMs);
        if (s instanceof SSLSocket tls) {
          tls.startHandshake();
        }
        in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 64 << 10));
        out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 64 << 10));
      } catch (IOException | RuntimeException e) {
        s.close();
        failedDials++;
        throw e;
      }
      failedDials = 0;
      socket = s;
    } else {
      socket.setSoTimeout(timeoutMs);
    }
  }

  /**
   * Before dialling a peer that refused the last dials, waits 50 ms, doubled per failure, at most
   * {@link #BACKOFF_MAX_MS}. Ratis's appender retries a failed send after a short sleep, and warns
   * every tenth time: without this, a node that is down would be dialled many times a second by
   * every leader, and each leader's log would fill with its warnings. An interrupt (the appender
   * being stopped) ends the wait.
   */
  private void waitOutBackoff() throws IOException {
    long waitMs = backoffMs(failedDials);
    if (waitMs == 0) {
      return;
    }
    try {
      Thread.sleep(waitMs);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("stopped while waiting to dial " + target);
    }
  }

  static long backoffMs(int failedDials) {
    return failedDials == 0 ? 0 : Math.min(BACKOFF_MAX_MS, 50L << Math.min(failedDials - 1, 10));
  }

  /** Closes the socket, which also ends a call waiting on it (not synchronized for that reason). */
  @Override
  public void close() {
    Socket s = socket;
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // Dropping the link either way.
      }
    }
  }

  private void closeSocket() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // Dropping the link either way.
      }
      socket = null;
      in = null;
      out = null;
    }
  }

  /** The follower received the request and refused it; the link stays open. */
  static final class RemoteFailureException extends IOException {
    RemoteFailureException(String message) {
      super(message);
    }
  }
}

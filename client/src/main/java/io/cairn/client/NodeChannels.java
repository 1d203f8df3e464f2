package io.cairn.client;

import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One gRPC channel per node endpoint, opened on first use through the configured {@link
 * ChannelFactory} and shut down by {@link #close()}. Thread-safe.
 */
final class NodeChannels implements AutoCloseable {
  private static final long CLOSE_WAIT_MS = 1_000;

  private final ClientConfig config;
  private final Map<Endpoint, ManagedChannel> channels = new ConcurrentHashMap<>();
  private volatile boolean closed; // written under this, read without for the fast path

  NodeChannels(ClientConfig config) {
    this.config = config;
  }

  /** The channel to {@code endpoint}; fails with a CANCELLED {@link CairnException} once closed. */
  ManagedChannel get(Endpoint endpoint) {
    ManagedChannel ch = channels.get(endpoint);
    if (ch != null && !closed) {
      return ch;
    }
    synchronized (this) {
      if (closed) {
        throw ErrorMapping.clientClosed(null, null);
      }
      return channels.computeIfAbsent(endpoint, e -> config.channelFactory().open(e, config));
    }
  }

  /**
   * Closes every channel now, cancelling calls still in flight (the client has already failed the
   * operations they belonged to), and waits briefly for the transports to wind down. Idempotent.
   */
  @Override
  public void close() {
    List<ManagedChannel> all;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      all = new ArrayList<>(channels.values());
    }
    all.forEach(ManagedChannel::shutdownNow);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MS);
    try {
      for (ManagedChannel ch : all) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !ch.awaitTermination(left, TimeUnit.NANOSECONDS)) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

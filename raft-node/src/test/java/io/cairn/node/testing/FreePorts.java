package io.cairn.node.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hands out loopback ports for in-process nodes, each one at most once per test JVM.
 *
 * <p>The ports come from below Linux's ephemeral range (32768 and up by default). A port the kernel
 * chose for a probe socket is in that range, and an outgoing connection of another node can take it
 * between the probe and the node's bind; Ratis then ends the whole JVM ("Failed to start Grpc
 * server"), which crashed a CI run. Handing each port out once also keeps two nodes of one cluster
 * from being given the same port.
 */
public final class FreePorts {
  private static final int LOWEST = 20_000;
  private static final int SPAN = 12_000;
  private static final AtomicInteger NEXT =
      new AtomicInteger(ThreadLocalRandom.current().nextInt(SPAN));

  private FreePorts() {}

  /**
   * {@code n} consecutive ports that were free on 127.0.0.1 a moment ago and were never handed out
   * before. Consecutive, because a node's Raft link port is its Raft port + 4: a node given the
   * first four of five ports as its Raft, client, HTTP and peer ports finds its link port free.
   */
  public static int[] take(int n) {
    for (int attempt = 0; attempt < SPAN; attempt++) {
      int first = LOWEST + Math.floorMod(NEXT.getAndAdd(n), SPAN);
      if (first + n > LOWEST + SPAN) {
        continue;
      }
      boolean free = true;
      for (int p = first; p < first + n && free; p++) {
        free = isFree(p);
      }
      if (free) {
        int[] ports = new int[n];
        for (int i = 0; i < n; i++) {
          ports[i] = first + i;
        }
        return ports;
      }
    }
    throw new IllegalStateException(
        "no " + n + " free ports in a row left in " + LOWEST + "-" + (LOWEST + SPAN - 1));
  }

  /** The ports of one node: Raft, client, HTTP, peer, then its link port (Raft + 4). */
  public static int[] forNode() {
    return take(5);
  }

  public static int takeOne() {
    for (int attempt = 0; attempt < SPAN; attempt++) {
      int port = LOWEST + Math.floorMod(NEXT.getAndIncrement(), SPAN);
      if (isFree(port)) {
        return port;
      }
    }
    throw new IllegalStateException(
        "no free port left in " + LOWEST + "-" + (LOWEST + SPAN - 1) + " on 127.0.0.1");
  }

  private static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}

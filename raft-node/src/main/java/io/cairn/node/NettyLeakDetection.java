package io.cairn.node;

/**
 * Turns off Netty's buffer leak detector in the node's two Netty copies (gRPC's shaded one on the
 * client and peer ports, Ratis's on the Raft port) unless the operator chose a level.
 *
 * <p>Why: at its default level the detector tracks one buffer in 128 and records a stack trace for
 * it when it is allocated and again when it is released. A profile of a node under 64 clients of
 * writes (2026-12-05) had 1 % of all samples filling in those traces, in every message read or
 * written. A leak it could report is a bug in gRPC or Ratis that a node cannot act on; whoever
 * hunts one sets {@code -D<prefix>.io.netty.leakDetection.level=paranoid} and gets it back.
 *
 * <p>The level is read when the detector class initialises, hence a call at the top of {@link
 * Main#main}, before any channel exists.
 */
final class NettyLeakDetection {
  static final String GRPC_PROPERTY = "io.grpc.netty.shaded.io.netty.leakDetection.level";
  static final String RATIS_PROPERTY = "org.apache.ratis.thirdparty.io.netty.leakDetection.level";

  private NettyLeakDetection() {}

  /** Disables the detectors whose level the operator did not set. */
  static void configure() {
    if (System.getProperty(GRPC_PROPERTY) == null) {
      io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector.setLevel(
          io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector.Level.DISABLED);
    }
    if (System.getProperty(RATIS_PROPERTY) == null) {
      org.apache.ratis.thirdparty.io.netty.util.ResourceLeakDetector.setLevel(
          org.apache.ratis.thirdparty.io.netty.util.ResourceLeakDetector.Level.DISABLED);
    }
  }
}

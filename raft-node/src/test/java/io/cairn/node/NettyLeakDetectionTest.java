package io.cairn.node;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NettyLeakDetectionTest {

  @Test
  void bothNettyCopiesStopTracingBuffers() {
    NettyLeakDetection.configure();

    assertThat(io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector.getLevel())
        .isEqualTo(io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector.Level.DISABLED);
    assertThat(org.apache.ratis.thirdparty.io.netty.util.ResourceLeakDetector.getLevel())
        .isEqualTo(org.apache.ratis.thirdparty.io.netty.util.ResourceLeakDetector.Level.DISABLED);
  }
}

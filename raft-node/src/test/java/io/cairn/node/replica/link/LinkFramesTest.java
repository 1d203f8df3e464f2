package io.cairn.node.replica.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.junit.jupiter.api.Test;

class LinkFramesTest {
  @Test
  void aFrameReadsBackAsWritten() throws IOException {
    AppendEntriesRequestProto m = AppendEntriesRequestProto.newBuilder().setLeaderTerm(7).build();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    LinkFrames.write(new DataOutputStream(bytes), LinkFrames.APPEND, m);
    LinkFrames.Frame f =
        LinkFrames.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), 1024);
    assertThat(f.kind()).isEqualTo(LinkFrames.APPEND);
    assertThat(AppendEntriesRequestProto.parseFrom(f.body())).isEqualTo(m);
  }

  @Test
  void aLengthOutsideTheLimitsIsRefusedBeforeAnyBodyIsRead() {
    for (int length : new int[] {0, -1, 1025}) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try {
        new DataOutputStream(bytes).writeInt(length);
      } catch (IOException e) {
        throw new AssertionError(e);
      }
      assertThatThrownBy(
              () ->
                  LinkFrames.read(
                      new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), 1024))
          .isInstanceOf(LinkFrames.LinkProtocolException.class)
          .hasMessageContaining("frame of " + length + " bytes; this link takes 1 to 1024");
    }
  }
}

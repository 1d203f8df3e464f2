package io.cairn.node.replica;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletionException;
import org.apache.ratis.protocol.RaftClientReply;

/** Turns a Ratis reply into the state machine's answer, or into the failure it carries. */
public final class RaftReplies {
  /** Parses a state machine's reply bytes. */
  @FunctionalInterface
  public interface Parser<T> {
    T parse(ByteBuffer bytes) throws IOException;
  }

  private RaftReplies() {}

  /** The reply's message parsed; throws (in a CompletionException) what a failed reply carries. */
  public static <T> T parse(RaftClientReply reply, Parser<T> parser) {
    if (!reply.isSuccess()) {
      throw new CompletionException(reply.getException());
    }
    try {
      return parser.parse(reply.getMessage().getContent().asReadOnlyByteBuffer());
    } catch (IOException e) {
      throw new CompletionException(e);
    }
  }
}

package io.cairn.node.replica.link;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.ratis.thirdparty.com.google.protobuf.MessageLite;

/**
 * How messages travel on a Raft link: a 4-byte length, a 1-byte kind, then the protobuf body. The
 * length counts the kind and the body, and a reader refuses a frame above its limit before reading
 * it, so a peer cannot make it allocate more than that.
 */
final class LinkFrames {
  static final byte APPEND = 1;
  static final byte APPEND_REPLY = 2;
  static final byte SNAPSHOT = 3;
  static final byte SNAPSHOT_REPLY = 4;

  /** The receiver could not handle the request; the body is its reason in UTF-8. */
  static final byte FAILURE = 5;

  private LinkFrames() {}

  record Frame(byte kind, byte[] body) {}

  static void write(DataOutputStream out, byte kind, MessageLite message) throws IOException {
    out.writeInt(1 + message.getSerializedSize());
    out.writeByte(kind);
    message.writeTo(out);
    out.flush();
  }

  static void write(DataOutputStream out, byte kind, byte[] body) throws IOException {
    out.writeInt(1 + body.length);
    out.writeByte(kind);
    out.write(body);
    out.flush();
  }

  static Frame read(DataInputStream in, int bytesMax) throws IOException {
    int length = in.readInt();
    if (length < 1 || length > bytesMax) {
      throw new LinkProtocolException(
          "frame of " + length + " bytes; this link takes 1 to " + bytesMax);
    }
    byte kind = in.readByte();
    byte[] body = new byte[length - 1];
    in.readFully(body);
    return new Frame(kind, body);
  }

  /** The other end broke the link's protocol; the connection is closed and nothing was applied. */
  static final class LinkProtocolException extends IOException {
    LinkProtocolException(String message) {
      super(message);
    }
  }
}

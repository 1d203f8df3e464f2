package io.cairn.node.testing;

import com.google.protobuf.ByteString;
import io.cairn.proto.Consistency;
import io.cairn.proto.GetRequest;
import io.cairn.proto.PutRequest;

/** Public API requests that tests send, with UTF-8 keys and values. */
public final class Requests {
  private Requests() {}

  public static PutRequest put(String key, String value) {
    return PutRequest.newBuilder()
        .setKey(ByteString.copyFromUtf8(key))
        .setValue(ByteString.copyFromUtf8(value))
        .build();
  }

  public static GetRequest linearizableGet(String key) {
    return GetRequest.newBuilder()
        .setKey(ByteString.copyFromUtf8(key))
        .setConsistency(Consistency.LINEARIZABLE)
        .build();
  }
}

package io.cairn.ycsb;

import io.grpc.Status.Code;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import site.ycsb.ByteArrayByteIterator;
import site.ycsb.ByteIterator;
import site.ycsb.Status;

/**
 * What a YCSB binding over a gRPC store does the same way whatever the store: records to and from
 * {@link RecordCodec}'s bytes, and gRPC's status codes as YCSB's statuses. Public so that the etcd
 * yardstick binding (cairn-tests) answers YCSB exactly as Cairn's does.
 */
public final class YcsbRecords {
  private YcsbRecords() {}

  /** The stored bytes of a record YCSB hands over for an insert or an update. */
  public static byte[] encode(Map<String, ByteIterator> values) {
    return RecordCodec.encode(bytesOf(values));
  }

  static Map<String, byte[]> bytesOf(Map<String, ByteIterator> values) {
    Map<String, byte[]> out = new HashMap<>();
    values.forEach((name, value) -> out.put(name, value.toArray()));
    return out;
  }

  /**
   * Puts the stored record's fields that YCSB asked for ({@code fields}; null means all) into
   * {@code result}.
   *
   * @throws IllegalArgumentException if {@code stored} is not a record ({@link RecordCodec#decode})
   */
  public static void readInto(byte[] stored, Set<String> fields, Map<String, ByteIterator> result) {
    for (Map.Entry<String, byte[]> f : RecordCodec.decode(stored).entrySet()) {
      if (fields == null || fields.contains(f.getKey())) {
        result.put(f.getKey(), new ByteArrayByteIterator(f.getValue()));
      }
    }
  }

  /** A failed call's gRPC code as YCSB's status. */
  public static Status statusOf(Code code) {
    return switch (code) {
      case INVALID_ARGUMENT, OUT_OF_RANGE -> Status.BAD_REQUEST;
      case UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED -> Status.SERVICE_UNAVAILABLE;
      case PERMISSION_DENIED, UNAUTHENTICATED -> Status.FORBIDDEN;
      default -> Status.ERROR;
    };
  }
}

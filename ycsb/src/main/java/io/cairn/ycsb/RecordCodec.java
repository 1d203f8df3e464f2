package io.cairn.ycsb;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * How a YCSB record (named fields with byte values) is stored as one Cairn value: per field, in
 * name order, a 2-byte name length, the UTF-8 name, a 4-byte value length and the value.
 */
final class RecordCodec {
  private RecordCodec() {}

  static byte[] encode(Map<String, byte[]> fields) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Map.Entry<String, byte[]> f : new TreeMap<>(fields).entrySet()) {
      byte[] name = f.getKey().getBytes(StandardCharsets.UTF_8);
      if (name.length > 0xFFFF) {
        throw new IllegalArgumentException("a YCSB field name longer than 65535 bytes");
      }
      byte[] value = f.getValue();
      out.writeBytes(ByteBuffer.allocate(2).putShort((short) name.length).array());
      out.writeBytes(name);
      out.writeBytes(ByteBuffer.allocate(4).putInt(value.length).array());
      out.writeBytes(value);
    }
    return out.toByteArray();
  }

  /**
   * @throws IllegalArgumentException if {@code stored} was not written by {@link #encode} (a key
   *     written by something else than this binding)
   */
  static Map<String, byte[]> decode(byte[] stored) {
    Map<String, byte[]> fields = new TreeMap<>();
    ByteBuffer in = ByteBuffer.wrap(stored);
    try {
      while (in.hasRemaining()) {
        byte[] name = new byte[Short.toUnsignedInt(in.getShort())];
        in.get(name);
        int length = in.getInt();
        if (length < 0) {
          throw new IllegalArgumentException("negative field length " + length);
        }
        byte[] value = new byte[length];
        in.get(value);
        fields.put(new String(name, StandardCharsets.UTF_8), value);
      }
    } catch (java.nio.BufferUnderflowException e) {
      throw new IllegalArgumentException(
          "a stored value of " + stored.length + " bytes is not a YCSB record (truncated field)",
          e);
    }
    return fields;
  }
}

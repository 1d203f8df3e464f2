package io.cairn.cli;

import com.google.gson.stream.JsonWriter;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * {@code -o json}: each command prints one JSON document, on one line, on stdout. Names are
 * snake_case, like the proto fields. Proto answers (shard map, cluster status) are printed by
 * protobuf's JsonFormat, so they follow the proto3 JSON mapping (64-bit integers are strings, every
 * field is present); the other documents are written with gson's JsonWriter. Bytes are strings in
 * the document's {@code "encoding"} (hex with --hex, base64 otherwise).
 */
final class JsonOutput {
  /** Writes the members of the document's top-level object. */
  interface Members {
    void write(JsonWriter json) throws IOException;
  }

  private static final JsonFormat.Printer PROTO =
      JsonFormat.printer()
          .preservingProtoFieldNames()
          .alwaysPrintFieldsWithNoPresence()
          .sortingMapKeys()
          .omittingInsignificantWhitespace();

  private JsonOutput() {}

  /** Prints {@code {members}}. */
  static void print(PrintWriter out, Members members) {
    StringWriter text = new StringWriter();
    // Into a string first: a document that fails half-way is not printed half.
    try (JsonWriter json = new JsonWriter(text)) {
      json.beginObject();
      members.write(json);
      json.endObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.print(text + "\n");
  }

  /** Prints {@code {"key":..,"encoding":.., members}}: the document of a command on one key. */
  static void printKeyed(PrintWriter out, ByteEncoding encoding, byte[] key, Members members) {
    ByteEncoding inJson = encoding.inJson();
    print(
        out,
        json -> {
          json.name("key").value(inJson.encode(key));
          json.name("encoding").value(inJson.label());
          members.write(json);
        });
  }

  /** Prints a proto message in the proto3 JSON mapping. */
  static void print(PrintWriter out, MessageOrBuilder message) {
    try {
      out.print(PROTO.print(message) + "\n");
    } catch (InvalidProtocolBufferException e) {
      // Only Any fields with unknown types fail to print; cairn's messages have none.
      throw new IllegalStateException(
          "cannot print " + message.getClass().getSimpleName() + " as JSON", e);
    }
  }
}

package io.cairn.tests.history;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The on-disk form of a history: JSON lines, one operation per line, in invocation order. Blank
 * lines are ignored. Optional members are left out when they do not apply.
 *
 * <pre>
 * {"id":7,"process":2,"kind":"PUT_CAS","key":"k1","value":"v-2-9","expectedVersion":0,
 *  "invokeNanos":100,"completeNanos":250,"outcome":"OK","result":{"version":12}}
 * {"id":8,"process":1,"kind":"GET","key":"k1","consistency":"SESSION","invokeNanos":110,
 *  "completeNanos":130,"outcome":"OK","result":{"found":true,"value":"v-2-9","version":12}}
 * {"id":9,"process":3,"kind":"DELETE","key":"k1","invokeNanos":120,"completeNanos":300,
 *  "outcome":"OK","result":{"existed":true,"index":14}}
 * {"id":10,"process":4,"kind":"DELETE_CAS","key":"k1","expectedVersion":3,"invokeNanos":140,
 *  "completeNanos":160,"outcome":"FAIL","failure":{"type":"VERSION_MISMATCH","currentVersion":12,"exists":true}}
 * {"id":11,"process":5,"kind":"PUT","key":"k1","value":"v-5-1","invokeNanos":150,"completeNanos":900,
 *  "outcome":"INFO","reason":"DEADLINE_EXCEEDED"}
 * </pre>
 *
 * (Each record is on one line in a file.) A get that found nothing has result {@code
 * {"found":false}}; other failures are {@code {"type":"REJECTED","reason":"..."}}.
 */
public final class HistoryFile {

  private HistoryFile() {}

  public static void write(History history, Writer out) throws IOException {
    for (Operation operation : history.operations()) {
      out.write(encode(operation));
      out.write('\n');
    }
    out.flush();
  }

  public static History read(Reader in) throws IOException {
    BufferedReader lines = new BufferedReader(in);
    List<Operation> operations = new ArrayList<>();
    int lineNumber = 0;
    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
      lineNumber++;
      if (line.isBlank()) {
        continue;
      }
      try {
        operations.add(decode(line));
      } catch (RuntimeException e) {
        throw new IOException("history line " + lineNumber + ": " + e.getMessage(), e);
      }
    }
    try {
      return new History(operations);
    } catch (IllegalArgumentException e) {
      throw new IOException("history: " + e.getMessage(), e);
    }
  }

  /** One operation as one line of JSON (without the line end). */
  public static String encode(Operation operation) {
    Op op = operation.op();
    JsonObjectWriter json =
        new JsonObjectWriter()
            .number("id", operation.id())
            .number("process", operation.process())
            .string("kind", op.kind().name())
            .string("key", op.key());
    if (op.value() != null) {
      json.string("value", op.value());
    }
    if (op.kind().isCompareAndSet()) {
      json.number("expectedVersion", op.expectedVersion());
    }
    if (op.consistency() != null) {
      json.string("consistency", op.consistency().name());
    }
    json.number("invokeNanos", operation.invokeNanos())
        .number("completeNanos", operation.completeNanos())
        .string("outcome", operation.outcome().name());
    switch (operation.outcome()) {
      case OK -> json.object("result", encodeResult(operation.result()));
      case FAIL -> json.object("failure", encodeFailure(operation.failure()));
      case INFO -> json.string("reason", operation.infoReason());
    }
    return json.toJson();
  }

  /** Parses one line written by {@link #encode}. */
  public static Operation decode(String line) {
    Fields fields = new Fields(JsonObjectParser.parse(line));
    OpKind kind = OpKind.valueOf(fields.string("kind"));
    String key = fields.string("key");
    Op op =
        switch (kind) {
          case PUT -> Op.put(key, fields.string("value"));
          case PUT_CAS -> Op.putCas(key, fields.string("value"), fields.number("expectedVersion"));
          case GET -> Op.get(key, ReadConsistency.valueOf(fields.string("consistency")));
          case DELETE -> Op.delete(key);
          case DELETE_CAS -> Op.deleteCas(key, fields.number("expectedVersion"));
        };
    long id = fields.number("id");
    int process = Math.toIntExact(fields.number("process"));
    long invoke = fields.number("invokeNanos");
    long complete = fields.number("completeNanos");
    return switch (Outcome.valueOf(fields.string("outcome"))) {
      case OK ->
          Operation.ok(
              id, process, op, invoke, complete, decodeResult(kind, fields.object("result")));
      case FAIL ->
          Operation.fail(
              id, process, op, invoke, complete, decodeFailure(fields.object("failure")));
      case INFO -> Operation.info(id, process, op, invoke, complete, fields.string("reason"));
    };
  }

  private static JsonObjectWriter encodeResult(OpResult result) {
    JsonObjectWriter json = new JsonObjectWriter();
    if (result instanceof OpResult.PutResult put) {
      json.number("version", put.version());
    } else if (result instanceof OpResult.GetResult get) {
      json.bool("found", get.found());
      if (get.found()) {
        json.string("value", get.value()).number("version", get.version());
      }
    } else if (result instanceof OpResult.DeleteResult delete) {
      json.bool("existed", delete.existed()).number("index", delete.index());
    }
    return json;
  }

  private static OpResult decodeResult(OpKind kind, Fields result) {
    if (kind.isPut()) {
      return OpResult.put(result.number("version"));
    }
    if (kind.isDelete()) {
      return OpResult.deleted(result.bool("existed"), result.number("index"));
    }
    return result.bool("found")
        ? OpResult.found(result.string("value"), result.number("version"))
        : OpResult.notFound();
  }

  private static JsonObjectWriter encodeFailure(Failure failure) {
    JsonObjectWriter json = new JsonObjectWriter();
    if (failure instanceof Failure.VersionMismatch mismatch) {
      json.string("type", "VERSION_MISMATCH")
          .number("currentVersion", mismatch.currentVersion())
          .bool("exists", mismatch.exists());
    } else if (failure instanceof Failure.Rejected rejected) {
      json.string("type", "REJECTED").string("reason", rejected.reason());
    }
    return json;
  }

  private static Failure decodeFailure(Fields failure) {
    String type = failure.string("type");
    return switch (type) {
      case "VERSION_MISMATCH" ->
          Failure.versionMismatch(failure.number("currentVersion"), failure.bool("exists"));
      case "REJECTED" -> Failure.rejected(failure.string("reason"));
      default -> throw new IllegalArgumentException("unknown failure type " + type);
    };
  }

  /** Typed access to parsed members, naming the member that is missing or of the wrong type. */
  private record Fields(Map<String, Object> members) {

    String string(String name) {
      return typed(name, String.class);
    }

    long number(String name) {
      return typed(name, Long.class);
    }

    boolean bool(String name) {
      return typed(name, Boolean.class);
    }

    @SuppressWarnings("unchecked")
    Fields object(String name) {
      return new Fields(typed(name, Map.class));
    }

    private <T> T typed(String name, Class<T> type) {
      Object value = members.get(name);
      if (!type.isInstance(value)) {
        throw new IllegalArgumentException(
            "member \""
                + name
                + "\" must be a "
                + type.getSimpleName().toLowerCase()
                + ", got "
                + value);
      }
      return type.cast(value);
    }
  }
}

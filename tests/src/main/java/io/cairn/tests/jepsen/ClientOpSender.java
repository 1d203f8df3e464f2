package io.cairn.tests.jepsen;

import io.cairn.client.CairnClient;
import io.cairn.proto.Consistency;
import io.cairn.tests.history.Op;
import io.cairn.tests.history.OpResult;
import io.cairn.tests.history.ReadConsistency;
import java.util.concurrent.CompletableFuture;

/**
 * Sends operations through a {@link CairnClient}: the client's own routing, retries under one
 * deadline, write ids and session tokens, exactly as an application would use it. The sender owns
 * the client and closes it.
 */
public final class ClientOpSender implements OpSender {

  private final CairnClient client;

  public ClientOpSender(CairnClient client) {
    this.client = client;
  }

  public CairnClient client() {
    return client;
  }

  @Override
  public CompletableFuture<OpResult> send(Op op) {
    return switch (op.kind()) {
      case PUT ->
          client.put(op.key(), op.value()).thenApply(r -> new OpResult.PutResult(r.version()));
      case PUT_CAS ->
          client
              .put(op.key(), op.value(), op.expectedVersion())
              .thenApply(r -> new OpResult.PutResult(r.version()));
      case DELETE ->
          client.delete(op.key()).thenApply(r -> new OpResult.DeleteResult(r.existed(), r.index()));
      case DELETE_CAS ->
          client
              .delete(op.key(), op.expectedVersion())
              .thenApply(r -> new OpResult.DeleteResult(r.existed(), r.index()));
      case GET ->
          client
              .get(op.key(), consistency(op.consistency()))
              .thenApply(
                  r ->
                      r.found()
                          ? new OpResult.GetResult(true, r.valueUtf8(), r.version())
                          : new OpResult.GetResult(false, null, 0));
    };
  }

  static Consistency consistency(ReadConsistency c) {
    return switch (c) {
      case LINEARIZABLE -> Consistency.LINEARIZABLE;
      case SESSION -> Consistency.SESSION;
      case EVENTUAL -> Consistency.EVENTUAL;
    };
  }

  @Override
  public void close() {
    client.close();
  }
}

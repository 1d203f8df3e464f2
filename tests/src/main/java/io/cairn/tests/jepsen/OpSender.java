package io.cairn.tests.jepsen;

import io.cairn.tests.history.Op;
import io.cairn.tests.history.OpResult;
import java.util.concurrent.CompletableFuture;

/**
 * Sends one history operation to a Cairn cluster and answers with its result; the future fails with
 * whatever the transport or the cluster failed with ({@link OutcomeMapping} sorts that into FAIL
 * and INFO). Implementations are thread-safe.
 */
public interface OpSender extends AutoCloseable {

  CompletableFuture<OpResult> send(Op op);

  @Override
  void close();
}

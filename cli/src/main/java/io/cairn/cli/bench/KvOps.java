package io.cairn.cli.bench;

import io.cairn.client.CairnClient;
import io.cairn.proto.Consistency;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The two operations the benchmark issues; worker {@code w} may be bound to its own client. */
public interface KvOps {
  CompletableFuture<?> put(int worker, byte[] key, byte[] value);

  CompletableFuture<?> get(int worker, byte[] key, Consistency consistency);

  /** Spreads workers round-robin over {@code clients}. */
  static KvOps over(List<CairnClient> clients) {
    return new KvOps() {
      @Override
      public CompletableFuture<?> put(int worker, byte[] key, byte[] value) {
        return clients.get(worker % clients.size()).put(key, value);
      }

      @Override
      public CompletableFuture<?> get(int worker, byte[] key, Consistency consistency) {
        return clients.get(worker % clients.size()).get(key, consistency);
      }
    };
  }
}

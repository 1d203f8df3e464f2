package io.cairn.statemachine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class InMemoryKvStoreTest extends KvStoreContract {
  @Override
  protected KvStore openFreshStore() {
    return new InMemoryKvStore();
  }

  @Test
  void occupiesNoDisk() {
    store.put(bytes("k"), bytes("v"), 1);
    assertThat(store.storageBytes()).isZero();
  }
}

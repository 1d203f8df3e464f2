package io.cairn.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.proto.WriteId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class WriteIdsTest {
  private final WriteIds ids = new WriteIds(new byte[16]);

  @Test
  void ackedBelowIsTheOldestUnansweredSequence() {
    WriteId a = ids.begin();
    WriteId b = ids.begin();
    WriteId c = ids.begin();
    assertThat(List.of(a, b, c)).extracting(WriteId::getSequence).containsExactly(1L, 2L, 3L);
    assertThat(List.of(a, b, c)).extracting(WriteId::getAckedBelow).containsExactly(1L, 1L, 1L);
    ids.answered(b);
    assertThat(ids.ackedBelow()).isEqualTo(1);
    ids.answered(a);
    assertThat(ids.ackedBelow()).isEqualTo(3);
    assertThat(ids.begin().getAckedBelow()).isEqualTo(3);
    ids.answered(c);
    assertThat(ids.ackedBelow()).isEqualTo(4);
  }

  @Test
  void concurrentWritesGetDistinctSequencesAndAckedBelowNeverPassesTheirOwn() throws Exception {
    ConcurrentLinkedQueue<WriteId> all = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Long> answered = new ConcurrentLinkedQueue<>();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      threads.add(
          new Thread(
              () -> {
                try {
                  go.await();
                } catch (InterruptedException e) {
                  return;
                }
                for (int i = 0; i < 2_000; i++) {
                  WriteId id = ids.begin();
                  all.add(id);
                  ids.answered(id);
                  answered.add(id.getSequence());
                }
              }));
    }
    threads.forEach(Thread::start);
    go.countDown();
    for (Thread t : threads) {
      t.join();
    }
    assertThat(all)
        .hasSize(8_000)
        .allSatisfy(id -> assertThat(id.getAckedBelow()).isLessThanOrEqualTo(id.getSequence()));
    assertThat(all.stream().map(WriteId::getSequence).distinct()).hasSize(8_000);
    assertThat(ids.ackedBelow()).isEqualTo(8_001);
  }

  @Test
  void theClientIdHasSixteenBytes() {
    assertThatThrownBy(() -> new WriteIds(new byte[8]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(ids.begin().getClientId().size()).isEqualTo(16);
  }
}

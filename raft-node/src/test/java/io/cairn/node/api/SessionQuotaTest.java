package io.cairn.node.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SessionQuotaTest {
  private final AtomicLong nanos = new AtomicLong();
  private final SessionQuota quota = new SessionQuota(3, nanos::get);

  private static ByteString id(int n) {
    return ByteString.copyFromUtf8("client-" + n);
  }

  @Test
  void aCallerStartsAtMostTheLimitOfSessionsAndKeepsUsingThem() {
    for (int i = 1; i <= 3; i++) {
      assertThat(quota.admit("alice", id(i))).isTrue();
    }
    assertThat(quota.admit("alice", id(4))).as("a fourth new id").isFalse();
    assertThat(quota.admit("alice", id(2))).as("an id it already uses").isTrue();
    assertThat(quota.admit("bob", id(4))).as("another caller has its own limit").isTrue();
  }

  @Test
  void anIdUnusedForAnHourNoLongerCounts() {
    for (int i = 1; i <= 3; i++) {
      quota.admit("alice", id(i));
    }
    nanos.addAndGet(TimeUnit.MINUTES.toNanos(59));
    quota.admit("alice", id(3)); // still in use
    nanos.addAndGet(TimeUnit.MINUTES.toNanos(2));
    quota.cleanUp();

    assertThat(quota.admit("alice", id(4))).isTrue();
    assertThat(quota.admit("alice", id(5))).isTrue();
    assertThat(quota.admit("alice", id(6))).as("ids 3, 4 and 5 are in use").isFalse();
  }
}

package io.cairn.node.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.node.testing.OneRatisServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.Test;

/**
 * Pins the Ratis 3.3.0 behaviour that SnapshottingStateMachine works around
 * (docs/ratis-workarounds.md): the apply loop steps past an entry whose applyTransaction returned a
 * failed future, and closes the replica only when applyTransaction throws. If the first test starts
 * failing after a Ratis upgrade, a failed future stops the replica by itself and the workaround can
 * go.
 */
class RatisApplyLoopTest {
  /** Fails (by the given means) the entry whose payload is "poison"; records what it applied. */
  private static final class PoisonedStateMachine extends BaseStateMachine {
    final List<String> applied = new CopyOnWriteArrayList<>();
    final boolean throwInstead;

    PoisonedStateMachine(boolean throwInstead) {
      this.throwInstead = throwInstead;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
      var entry = trx.getLogEntry();
      String payload = entry.getStateMachineLogEntry().getLogData().toStringUtf8();
      if (payload.equals("poison")) {
        if (throwInstead) {
          throw new IllegalStateException("cannot apply " + entry.getIndex());
        }
        return CompletableFuture.failedFuture(
            new IllegalStateException("cannot apply " + entry.getIndex()));
      }
      applied.add(payload);
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
      return CompletableFuture.completedFuture(Message.valueOf(payload));
    }
  }

  private record OneServer(RaftServer server, RaftGroup group, Path dir) implements AutoCloseable {
    RaftServer.Division division() throws IOException {
      return server.getDivision(group.getGroupId());
    }

    @Override
    public void close() throws IOException {
      server.close();
      try (var paths = Files.walk(dir)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static OneServer start(PoisonedStateMachine sm) throws IOException {
    Path dir = Files.createTempDirectory("ratis-apply-loop");
    OneRatisServer one = OneRatisServer.start(dir, sm, p -> {});
    return new OneServer(one.server(), one.group(), dir);
  }

  /**
   * Commits {@code payload}; for "poison" the reply may fail, what matters is what the replica does
   * next.
   */
  private static void send(OneServer s, String payload) throws IOException {
    try (RaftClient c =
        RaftClient.newBuilder()
            .setProperties(new RaftProperties())
            .setRaftGroup(s.group())
            .setRetryPolicy(
                payload.equals("poison")
                    ? RetryPolicies.noRetry()
                    : RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                        50, TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
            .build()) {
      c.io().send(Message.valueOf(payload));
    } catch (IOException e) {
      if (!payload.equals("poison")) {
        throw e;
      }
    }
  }

  @Test
  void aFailedFutureIsSteppedOverAndTheReplicaGoesOn() throws Exception {
    PoisonedStateMachine sm = new PoisonedStateMachine(false);
    try (OneServer s = start(sm)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> s.division().getInfo().isLeader());
      send(s, "a");
      send(s, "poison");
      send(s, "b");
      await().atMost(Duration.ofSeconds(10)).until(() -> sm.applied.contains("b"));
      assertThat(s.division().getInfo().isAlive()).as("the replica is still running").isTrue();
      assertThat(sm.applied).containsExactly("a", "b");
    }
  }

  @Test
  void aThrownExceptionClosesTheReplica() throws Exception {
    PoisonedStateMachine sm = new PoisonedStateMachine(true);
    try (OneServer s = start(sm)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> s.division().getInfo().isLeader());
      send(s, "a");
      send(s, "poison");
      await().atMost(Duration.ofSeconds(10)).until(() -> !s.division().getInfo().isAlive());
      assertThat(sm.applied).containsExactly("a");
    }
  }
}

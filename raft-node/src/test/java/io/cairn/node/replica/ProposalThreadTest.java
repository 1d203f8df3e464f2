package io.cairn.node.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.node.runtime.NodeClock;
import io.cairn.node.testing.LocalCluster;
import io.cairn.node.testing.LocalClusterExtension;
import io.cairn.proto.internal.CommandBatch;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A leader appends an entry on the thread that proposes it (RaftHost.submit). Ratis's server-wide
 * entry point would hand the entry to the group's client executor and block the proposer until that
 * thread had appended it: two thread switches per entry on the write path.
 */
class ProposalThreadTest {
  /** Threads that stamped an entry's time in ShardStateMachine.startTransaction. */
  private final Set<String> stampingThreads = ConcurrentHashMap.newKeySet();

  @RegisterExtension
  final LocalClusterExtension ext =
      new LocalClusterExtension(b -> b.nodes(1).shards(1).clocks(i -> recordingStamps()));

  @Test
  void aLeaderAppendsAProposedEntryOnTheProposingThread() throws Exception {
    LocalCluster cluster = ext.cluster();
    RaftGroupId gid = RaftHost.groupIdOf(cluster.shard(1));
    RaftHost host = cluster.node(cluster.leaderOf(1)).host();

    RaftClientReply reply =
        host.submitWrite(gid, CommandBatch.getDefaultInstance().toByteArray(), 10_000)
            .get(20, TimeUnit.SECONDS);

    assertThat(reply.isSuccess()).isTrue();
    assertThat(stampingThreads).contains(Thread.currentThread().getName());
  }

  private NodeClock recordingStamps() {
    NodeClock system = NodeClock.system();
    return new NodeClock() {
      @Override
      public long wallMs() {
        boolean stamping =
            StackWalker.getInstance()
                .walk(
                    frames ->
                        frames.anyMatch(
                            f ->
                                f.getClassName().equals(ShardStateMachine.class.getName())
                                    && f.getMethodName().equals("startTransaction")));
        if (stamping) {
          stampingThreads.add(Thread.currentThread().getName());
        }
        return system.wallMs();
      }

      @Override
      public long nanoTime() {
        return system.nanoTime();
      }
    };
  }
}

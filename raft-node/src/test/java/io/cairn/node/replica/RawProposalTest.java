package io.cairn.node.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.cairn.node.testing.LocalCluster;
import io.cairn.node.testing.LocalClusterExtension;
import io.cairn.proto.GetRequest;
import io.cairn.proto.KeyRing;
import io.cairn.proto.PutRequest;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import io.cairn.proto.internal.Command;
import io.cairn.proto.internal.CommandBatch;
import io.cairn.proto.internal.DeleteCommand;
import io.cairn.proto.internal.MetaCommand;
import io.cairn.proto.internal.PutCommand;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Entries proposed straight to a shard's Raft group, past the API, as a member with a bug (or a
 * stolen certificate) could: each one the API would refuse is refused at the door of the log
 * (ProposalCheck in startTransaction), changes no replica's state and costs the shard no leader.
 */
class RawProposalTest {
  @RegisterExtension
  final LocalClusterExtension ext =
      new LocalClusterExtension(b -> b.nodes(3).shards(2).config("limits.value-bytes-max", "1024"));

  @Test
  void entriesTheApiWouldRefuseNeverReachTheLog() throws IOException {
    LocalCluster cluster = ext.cluster();
    KeyRing ring = KeyRing.of(cluster.map());
    String mine = keyOf(ring, 1, 0);
    String mineToo = keyOf(ring, 1, 1);
    String other = keyOf(ring, 2, 0);
    cluster.kv(1).put(PutRequest.newBuilder().setKey(utf8(mine)).setValue(utf8("canary")).build());
    ShardInfo shard = cluster.shard(1);
    RaftGroupId gid = RaftHost.groupIdOf(shard);
    int leader = cluster.settledLeaderOf(1);
    RaftServer.Division division = cluster.node(leader).host().division(gid).orElseThrow();
    long term = division.getInfo().getCurrentTerm();
    long keys = cluster.node(leader).host().shardReplica(gid).orElseThrow().core().keyCount();

    Map<String, CommandBatch> refused = new LinkedHashMap<>();
    refused.put("empty key", batch(put(ByteString.EMPTY, 1)));
    refused.put("8,000-byte key", batch(put(ByteString.copyFrom(new byte[8000]), 1)));
    refused.put("value over the limit", batch(put(utf8(mineToo), 2048)));
    refused.put("key of another shard", batch(put(utf8(other), 1)));
    refused.put(
        "delete of another shard's key",
        batch(Command.newBuilder().setDelete(DeleteCommand.newBuilder().setKey(utf8(other)))));
    refused.put("command without an operation", batch(Command.newBuilder()));
    try (RaftClient raw =
        RaftClient.newBuilder()
            .setProperties(new RaftProperties())
            .setRaftGroup(RaftGroup.valueOf(gid, RaftHost.peersOf(shard, cluster.map())))
            .setLeaderId(RaftPeerId.valueOf("n" + leader))
            .setRetryPolicy(RetryPolicies.noRetry())
            .build()) {
      for (var e : refused.entrySet()) {
        assertThat(refusedBy(raw, e.getValue())).as(e.getKey()).isTrue();
      }
      // A control: a well-formed entry from the same client does commit, so the refusals above
      // are the check's doing, not a client that cannot reach the group.
      assertThat(refusedBy(raw, batch(put(utf8(mineToo), 1)))).isFalse();
    }

    assertThat(cluster.leaderOf(1)).isEqualTo(leader);
    assertThat(division.getInfo().getCurrentTerm()).isEqualTo(term);
    assertThat(cluster.node(leader).host().shardReplica(gid).orElseThrow().core().keyCount())
        .isEqualTo(keys + 1);
    assertThat(cluster.kv(2).get(GetRequest.newBuilder().setKey(utf8(mine)).build()).getValue())
        .isEqualTo(utf8("canary"));
    assertThat(cluster.kv(2).get(GetRequest.newBuilder().setKey(utf8(other)).build()).getFound())
        .isFalse();
  }

  @Test
  void aShardMapCairnCouldNotHaveMadeNeverReachesTheMetaLog() throws IOException {
    LocalCluster cluster = ext.cluster();
    ShardMap held = cluster.map();
    ShardInfo meta = held.getMeta();
    int leader = cluster.leaderOf(0);
    ShardMap redirected =
        held.toBuilder()
            .setEpoch(held.getEpoch() + 1)
            .setNodes(0, held.getNodes(0).toBuilder().setClientPort(6666))
            .build();
    ShardMap withoutAShard = held.toBuilder().setEpoch(held.getEpoch() + 1).removeShards(1).build();
    try (RaftClient raw =
        RaftClient.newBuilder()
            .setProperties(new RaftProperties())
            .setRaftGroup(RaftGroup.valueOf(RaftHost.groupIdOf(meta), RaftHost.peersOf(meta, held)))
            .setLeaderId(RaftPeerId.valueOf("n" + leader))
            .setRetryPolicy(RetryPolicies.noRetry())
            .build()) {
      // The meta group must hold the map first: before bootstrap a replace is a no-op anyway.
      await("the meta group holds the map")
          .atMost(Duration.ofSeconds(20))
          .until(() -> readThroughLog(raw).equals(held));
      for (ShardMap forged : new ShardMap[] {redirected, withoutAShard}) {
        byte[] replace = MetaCommand.newBuilder().setReplace(forged).build().toByteArray();
        assertThat(refusedBy(raw, replace)).isTrue();
      }
      // The control: an empty command (a read through the log) is taken, and answers the map the
      // group holds after every entry before it: still the one held before the forgeries.
      assertThat(readThroughLog(raw)).isEqualTo(held);
    }
    assertThat(cluster.leaderOf(0)).isEqualTo(leader);
  }

  private static ShardMap readThroughLog(RaftClient raw) throws IOException {
    RaftClientReply read =
        raw.io()
            .send(
                Message.valueOf(
                    UnsafeByteOperations.unsafeWrap(
                        MetaCommand.getDefaultInstance().toByteArray())));
    assertThat(read.isSuccess()).isTrue();
    return ShardMap.parseFrom(read.getMessage().getContent().toByteArray());
  }

  private static boolean refusedBy(RaftClient raw, CommandBatch batch) {
    return refusedBy(raw, batch.toByteArray());
  }

  private static boolean refusedBy(RaftClient raw, byte[] entry) {
    try {
      RaftClientReply reply =
          raw.io().send(Message.valueOf(UnsafeByteOperations.unsafeWrap(entry)));
      if (!reply.isSuccess()) {
        // Refused by the shard's own check, not by a leader that moved: NotLeader would mean the
        // entry never reached the check.
        assertThat(String.valueOf(reply.getException())).contains("entry refused");
      }
      return !reply.isSuccess();
    } catch (IOException e) {
      assertThat(String.valueOf(e)).contains("entry refused");
      return true;
    }
  }

  /** The {@code nth} (from 0) of the keys raw-0, raw-1, ... that belong to {@code shard}. */
  private static String keyOf(KeyRing ring, int shard, int nth) {
    int seen = 0;
    for (int i = 0; i < 10_000; i++) {
      String k = "raw-" + i;
      if (ring.shardFor(k.getBytes(StandardCharsets.UTF_8)) == shard && seen++ == nth) {
        return k;
      }
    }
    throw new IllegalStateException("no key of shard " + shard + " among 10,000 tried");
  }

  private static Command.Builder put(ByteString key, int valueBytes) {
    return Command.newBuilder()
        .setPut(
            PutCommand.newBuilder()
                .setKey(key)
                .setValue(ByteString.copyFrom(new byte[valueBytes])));
  }

  private static CommandBatch batch(Command.Builder command) {
    return CommandBatch.newBuilder().addCommands(command).build();
  }

  private static ByteString utf8(String s) {
    return ByteString.copyFromUtf8(s);
  }
}

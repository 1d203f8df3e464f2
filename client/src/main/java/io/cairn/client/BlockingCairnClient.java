package io.cairn.client;

import io.cairn.proto.ClusterStatus;
import io.cairn.proto.Consistency;
import io.cairn.proto.MarkShardDigestResponse;
import io.cairn.proto.NodeInfo;
import io.cairn.proto.NodeState;
import io.cairn.proto.ReplicaDigest;
import io.cairn.proto.Routing;
import io.cairn.proto.ShardMap;
import io.cairn.proto.TransferLeaderResponse;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A blocking face of {@link CairnClient}: the same operations, waiting for the answer and throwing
 * the typed {@link CairnException} directly instead of a {@code CompletionException}. An
 * interrupted wait throws a CANCELLED CairnException with the interrupt flag restored; the
 * operation itself keeps running to its deadline. Thread-safe.
 */
public final class BlockingCairnClient implements AutoCloseable {
  private final CairnClient client;

  public BlockingCairnClient(CairnClient client) {
    this.client = client;
  }

  public static BlockingCairnClient connect(ClientConfig config) {
    return new BlockingCairnClient(CairnClient.connect(config));
  }

  /** The asynchronous client underneath. */
  public CairnClient async() {
    return client;
  }

  public PutResult put(byte[] key, byte[] value) {
    return await(client.put(key, value));
  }

  public PutResult put(byte[] key, byte[] value, long expectedVersion) {
    return await(client.put(key, value, expectedVersion));
  }

  public PutResult put(String key, String value) {
    return await(client.put(key, value));
  }

  public PutResult put(String key, String value, long expectedVersion) {
    return await(client.put(key, value, expectedVersion));
  }

  public GetResult get(byte[] key) {
    return await(client.get(key));
  }

  public GetResult get(byte[] key, Consistency consistency) {
    return await(client.get(key, consistency));
  }

  public GetResult get(String key) {
    return await(client.get(key));
  }

  public GetResult get(String key, Consistency consistency) {
    return await(client.get(key, consistency));
  }

  public DeleteResult delete(byte[] key) {
    return await(client.delete(key));
  }

  public DeleteResult delete(byte[] key, long expectedVersion) {
    return await(client.delete(key, expectedVersion));
  }

  public DeleteResult delete(String key) {
    return await(client.delete(key));
  }

  public DeleteResult delete(String key, long expectedVersion) {
    return await(client.delete(key, expectedVersion));
  }

  public Routing routing() {
    return await(client.routing());
  }

  public ShardMap shardMap() {
    return await(client.shardMap());
  }

  public ClusterStatus clusterStatus() {
    return await(client.clusterStatus());
  }

  public TransferLeaderResponse transferLeader(int shardId, String nodeId) {
    return await(client.transferLeader(shardId, nodeId));
  }

  public ShardMap addNode(NodeInfo node) {
    return await(client.addNode(node));
  }

  public ShardMap setNodeState(String nodeId, NodeState state) {
    return await(client.setNodeState(nodeId, state));
  }

  public ShardMap removeNode(String nodeId, boolean force) {
    return await(client.removeNode(nodeId, force));
  }

  public ShardMap addShard() {
    return await(client.addShard());
  }

  public ShardMap moveReplica(int shardId, String from, String to, boolean cancel) {
    return await(client.moveReplica(shardId, from, to, cancel));
  }

  public MarkShardDigestResponse markShardDigest(int shardId) {
    return await(client.markShardDigest(shardId));
  }

  public ReplicaDigest replicaDigest(String nodeId, int shardId, long index, int waitMs) {
    return await(client.replicaDigest(nodeId, shardId, index, waitMs));
  }

  public io.cairn.proto.AuthChange putUser(
      String name, String password, java.util.List<String> roles) {
    return await(client.putUser(name, password, roles));
  }

  public io.cairn.proto.AuthChange deleteUser(String name) {
    return await(client.deleteUser(name));
  }

  public io.cairn.proto.AuthChange putRole(io.cairn.proto.Role role) {
    return await(client.putRole(role));
  }

  public io.cairn.proto.AuthChange deleteRole(String name) {
    return await(client.deleteRole(name));
  }

  public io.cairn.proto.AuthListing listAuth() {
    return await(client.listAuth());
  }

  @Override
  public void close() {
    client.close();
  }

  private static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ErrorMapping.of(
          null, Status.Code.CANCELLED, "interrupted while waiting for the answer", null, e);
    } catch (ExecutionException e) {
      throw ErrorMapping.fromThrowable(null, e);
    }
  }
}

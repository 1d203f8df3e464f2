package io.cairn.node.replica;

import io.cairn.node.config.NodeConfig;
import io.cairn.node.runtime.NodeClock;
import io.cairn.proto.NodeInfo;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's Ratis server and the replicas (divisions) it hosts: one per data shard placed here
 * and, where placed, one of the meta group. Submits requests to local divisions in-process, so a
 * request for a shard this node leads costs no second gRPC hop.
 */
public final class RaftHost implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(RaftHost.class);

  private final NodeConfig config;
  private final RaftServer server;
  private final ClientId localClientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();
  private final Map<RaftGroupId, Integer> shardOfGroup = new ConcurrentHashMap<>();
  private final RaftGroupId metaGroupId;
  private final ReplicaFailures failures;

  public RaftHost(
      NodeConfig config,
      NodeClock clock,
      ReplicaFailures failures,
      ShardMap initialMap,
      MetaStateMachine metaStateMachine)
      throws IOException {
    this.config = config;
    this.failures = failures;
    this.metaGroupId = groupIdOf(initialMap.getMeta());
    learn(initialMap);
    Function<RaftGroupId, StateMachine> registry =
        gid -> {
          if (gid.equals(metaGroupId)) {
            return metaStateMachine;
          }
          Integer shard = shardOfGroup.get(gid);
          if (shard == null) {
            throw new IllegalStateException(
                "group "
                    + gid
                    + " on disk is not in the shard map; "
                    + "data dir "
                    + config.dataDir()
                    + " belongs to another cluster?");
          }
          return new ShardStateMachine(shard, config.store(), clock, failures);
        };
    this.server =
        RaftServer.newBuilder()
            .setServerId(RaftPeerId.valueOf(config.nodeId()))
            .setProperties(RaftSettings.serverProperties(config))
            .setStateMachineRegistry(registry::apply)
            .setOption(RaftStorage.StartupOption.RECOVER)
            .build();
  }

  /** Remembers which group is which shard, so recovered and new groups get the right machine. */
  public void learn(ShardMap map) {
    for (ShardInfo s : map.getShardsList()) {
      shardOfGroup.put(groupIdOf(s), s.getShardId());
    }
  }

  public void start() throws IOException {
    server.start();
  }

  /**
   * Creates, on this node, every group of the map that places a replica here and is missing, but
   * only on a data dir that holds no replica of the map's groups yet (a new node, or a wiped one).
   * A data dir that holds some of them and lacks others did not come from this map: a computed map
   * of another release or configuration would create empty replicas with a peer set of its own, and
   * two such replicas could elect a leader of their own beside the real group. Replicas join an
   * existing node only through a replica move.
   */
  public void ensureLocalGroups(ShardMap map) throws IOException {
    learn(map);
    Set<RaftGroupId> present = new HashSet<>();
    server.getGroupIds().forEach(present::add);
    List<ShardInfo> wanted = new ArrayList<>(map.getShardsList());
    wanted.add(map.getMeta());
    List<ShardInfo> missing = new ArrayList<>();
    boolean holdsSome = false;
    for (ShardInfo s : wanted) {
      RaftGroupId gid = groupIdOf(s);
      holdsSome |= present.contains(gid);
      if (s.getReplicasList().contains(config.nodeId()) && !present.contains(gid)) {
        missing.add(s);
      }
    }
    if (holdsSome && !missing.isEmpty()) {
      LOG.error(
          "this node's data dir holds replicas of this cluster but none of {}, which the map "
              + "computed from the configuration places here; not creating them (this happens "
              + "after a change of cluster.nodes or an upgrade that places replicas differently; "
              + "the meta group's map decides, see docs/operations.md)",
          missing.stream().map(RaftHost::describe).toList());
      return;
    }
    for (ShardInfo s : missing) {
      RaftGroupId gid = groupIdOf(s);
      RaftGroup group = RaftGroup.valueOf(gid, peersOf(s, map));
      RaftClientReply reply =
          server.groupManagement(
              GroupManagementRequest.newAdd(
                  localClientId, server.getId(), callIds.incrementAndGet(), group));
      if (!reply.isSuccess()) {
        throw new IOException(
            "cannot create replica of " + describe(s) + ": " + reply.getException());
      }
      LOG.info("created replica of {} with peers {}", describe(s), s.getReplicasList());
    }
  }

  public static RaftGroupId groupIdOf(ShardInfo s) {
    return RaftGroupId.valueOf(UUID.fromString(s.getGroupId()));
  }

  /**
   * The group's peers. The first replica in placement order gets a higher priority: Ratis makes a
   * leader yield to a caught-up follower of higher priority, which spreads leadership over the
   * nodes as evenly as placement spreads first replicas, and brings it back after a failover.
   */
  public static List<RaftPeer> peersOf(ShardInfo s, ShardMap map) {
    List<RaftPeer> peers = new ArrayList<>();
    for (String id : s.getReplicasList()) {
      int priority = peers.isEmpty() ? 1 : 0;
      NodeInfo n =
          map.getNodesList().stream()
              .filter(x -> x.getId().equals(id))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "shard map names node " + id + " but does not list it"));
      peers.add(
          RaftPeer.newBuilder()
              .setId(id)
              .setAddress(n.getHost() + ":" + n.getRaftPort())
              .setPriority(priority)
              .build());
    }
    return peers;
  }

  private static String describe(ShardInfo s) {
    return s.getShardId() == 0 ? "meta group" : "shard " + s.getShardId();
  }

  public RaftGroupId metaGroupId() {
    return metaGroupId;
  }

  public Optional<RaftServer.Division> division(RaftGroupId gid) {
    try {
      return Optional.of(server.getDivision(gid));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The local replica of a data shard, unless there is none or it stopped (ReplicaFailures). */
  public Optional<ShardStateMachine> shardReplica(RaftGroupId gid) {
    return division(gid)
        .filter(d -> d.getInfo().isAlive() && failures.of(gid).isEmpty())
        .map(d -> d.getStateMachine())
        .filter(ShardStateMachine.class::isInstance)
        .map(ShardStateMachine.class::cast);
  }

  /** The local replica of the meta group, unless there is none or it stopped. */
  public Optional<MetaStateMachine> metaReplica() {
    return division(metaGroupId)
        .filter(d -> d.getInfo().isAlive() && failures.of(metaGroupId).isEmpty())
        .map(d -> d.getStateMachine())
        .filter(MetaStateMachine.class::isInstance)
        .map(MetaStateMachine.class::cast);
  }

  /**
   * True if the local replica of the group is the leader and has committed an entry of its term.
   */
  public boolean isReadyLeader(RaftGroupId gid) {
    return division(gid)
        .map(d -> d.getInfo().isAlive() && d.getInfo().isLeader() && d.getInfo().isLeaderReady())
        .orElse(false);
  }

  public Optional<String> leaderOf(RaftGroupId gid) {
    return division(gid)
        .filter(d -> d.getInfo().isAlive())
        .map(d -> d.getInfo().getLeaderId())
        .map(RaftPeerId::toString);
  }

  public CompletableFuture<RaftClientReply> submitWrite(
      RaftGroupId gid, byte[] payload, long timeoutMs) {
    return submit(gid, payload, RaftClientRequest.writeRequestType(), timeoutMs);
  }

  private CompletableFuture<RaftClientReply> submit(
      RaftGroupId gid, byte[] payload, RaftClientRequest.Type type, long timeoutMs) {
    RaftClientRequest request =
        RaftClientRequest.newBuilder()
            .setClientId(localClientId)
            .setServerId(server.getId())
            .setGroupId(gid)
            .setCallId(callIds.incrementAndGet())
            .setMessage(Message.valueOf(UnsafeByteOperations.unsafeWrap(payload)))
            .setType(type)
            .setTimeoutMs(timeoutMs)
            .build();
    try {
      return server.submitClientRequestAsync(request);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * If the local replica leads {@code gid} with a stable configuration whose voters' priorities
   * differ from {@code wanted} (peer id to priority), proposes the same configuration with those
   * priorities, compare-and-set against the one it read, so a concurrent change wins. Ratis then
   * hands leadership to the highest-priority voter once it has caught up. Completes with false when
   * there was nothing to do or this replica does not lead.
   */
  public CompletableFuture<Boolean> applyPriorities(RaftGroupId gid, Map<String, Integer> wanted) {
    if (!leadsWithOtherPriorities(gid, wanted)) {
      return CompletableFuture.completedFuture(false);
    }
    RaftServer.Division d = division(gid).orElseThrow();
    RaftConfiguration conf = d.getRaftConf();
    List<RaftPeer> voters = List.copyOf(conf.getCurrentPeers());
    List<RaftPeer> listeners = List.copyOf(conf.getCurrentPeers(RaftPeerRole.LISTENER));
    List<RaftPeer> reprioritised = new ArrayList<>();
    for (RaftPeer p : voters) {
      int priority = wanted.getOrDefault(p.getId().toString(), 0);
      reprioritised.add(RaftPeer.newBuilder(p).setPriority(priority).build());
    }
    SetConfigurationRequest request =
        new SetConfigurationRequest(
            localClientId,
            server.getId(),
            gid,
            callIds.incrementAndGet(),
            SetConfigurationRequest.Arguments.newBuilder()
                .setServersInNewConf(reprioritised)
                .setListenersInNewConf(listeners)
                .setServersInCurrentConf(voters)
                .setListenersInCurrentConf(listeners)
                .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
                .build());
    try {
      return d.getRaftServer()
          .setConfigurationAsync(request)
          .thenApply(
              reply -> {
                if (!reply.isSuccess()) {
                  throw new CompletionException(reply.getException());
                }
                return true;
              });
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * True if the local replica leads {@code gid} with a stable configuration in which some voter's
   * priority differs from {@code wanted} (peer id to priority; absent means 0).
   */
  public boolean leadsWithOtherPriorities(RaftGroupId gid, Map<String, Integer> wanted) {
    RaftServer.Division d = division(gid).orElse(null);
    if (d == null || !d.getInfo().isLeader()) {
      return false;
    }
    RaftConfiguration conf = d.getRaftConf();
    if (!conf.getPreviousPeers().isEmpty()) {
      return false;
    }
    return conf.getCurrentPeers().stream()
        .anyMatch(p -> wanted.getOrDefault(p.getId().toString(), 0) != p.getPriority());
  }

  public RaftServer server() {
    return server;
  }

  public String nodeId() {
    return config.nodeId();
  }

  @Override
  public void close() throws IOException {
    failures.nodeClosing();
    server.close();
  }
}

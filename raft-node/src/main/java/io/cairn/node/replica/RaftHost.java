package io.cairn.node.replica;

import io.cairn.node.config.NodeConfig;
import io.cairn.node.replica.link.LinkRpcType;
import io.cairn.node.replica.link.LinkServer;
import io.cairn.node.replica.link.LinkSettings;
import io.cairn.node.runtime.DaemonThreads;
import io.cairn.node.runtime.NodeClock;
import io.cairn.node.security.NodeTls;
import io.cairn.node.security.ValueCipher;
import io.cairn.proto.KeyRing;
import io.cairn.proto.NodeInfo;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import io.cairn.statemachine.RequestLimits;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientAsynchronousProtocol;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.TransferLeadershipRequest;
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
  private static final String REMOVED_REPLICAS = "removed-replicas";

  private final NodeConfig config;
  private final RaftServer server;
  private final LinkSettings linkSettings;
  // Served whatever raft.transport says, so nodes that send over links reach this one.
  private final LinkServer links;
  private final ClientId localClientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();
  private final Map<RaftGroupId, Integer> shardOfGroup = new ConcurrentHashMap<>();
  private final RaftGroupId metaGroupId;
  private final ReplicaFailures failures;
  private final LeaderEvents leaderEvents =
      new LeaderEvents(java.util.concurrent.ForkJoinPool.commonPool());
  // Groups whose replica is being created or removed here right now.
  private final Set<RaftGroupId> changing = ConcurrentHashMap.newKeySet();
  // Groups whose replica this node removed (until it creates one again): Ratis closes a removed
  // replica's state machine on its own thread, possibly after the removal call returned.
  private final Set<RaftGroupId> removedHere = ConcurrentHashMap.newKeySet();
  // Group to the latest term in which this node asked Ratis to hand its leadership over.
  private final Map<RaftGroupId, Long> handOverTerms = new ConcurrentHashMap<>();
  // Group to the hand-overs asked of Ratis that it has not answered yet.
  private final Map<RaftGroupId, AtomicInteger> handOversPending = new ConcurrentHashMap<>();
  private volatile boolean started;
  // The shard map's key ring, for the leaders' check that a proposed key belongs to its shard.
  private volatile KeyRing ring;
  private final RequestLimits limits;
  // One thread writes every shard's snapshots beside the apply threads, one at a time: a snapshot
  // is bound by the disk and the CPU, so two at once would only slow each other.
  private final ExecutorService snapshotWriter =
      Executors.newSingleThreadExecutor(DaemonThreads.named("cairn-snapshot-writer"));

  public RaftHost(
      NodeConfig config,
      Optional<NodeTls> tls,
      NodeClock clock,
      ReplicaFailures failures,
      ShardMap initialMap,
      Supplier<MetaStateMachine> metaStateMachines)
      throws IOException {
    this.config = config;
    this.failures = failures;
    this.metaGroupId = groupIdOf(initialMap.getMeta());
    // Values reach the log in their stored form, which encryption at rest makes longer.
    this.limits =
        new RequestLimits(
            config.limits().keyBytesMax(), config.limits().valueBytesMax() + ValueCipher.OVERHEAD);
    failures.closesExpectedWhen(this::leftItsGroup);
    learn(initialMap);
    Function<RaftGroupId, StateMachine> registry =
        gid -> {
          if (gid.equals(metaGroupId)) {
            // A new one each time: a replica removed and later added back gets a fresh machine
            // (a closed one cannot start again).
            return metaStateMachines.get();
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
          return new ShardStateMachine(
              shard,
              config.store(),
              new ShardStateMachine.ProposalRules(limits, key -> ring.shardFor(key)),
              clock,
              failures,
              leaderEvents,
              snapshotWriter,
              new SnapshotSchedule(
                  config.raft().snapshotLogPercentOfState(), config.raft().snapshotEntriesMax()));
        };
    RaftProperties properties = RaftSettings.serverProperties(config);
    Parameters parameters = PeerTlsParameters.of(tls);
    this.linkSettings = RaftLinkSettings.of(config, tls);
    if (config.raft().transport() == NodeConfig.RaftTransport.LINKS) {
      LinkRpcType.configure(properties, parameters, linkSettings);
    }
    this.server =
        RaftServer.newBuilder()
            .setServerId(RaftPeerId.valueOf(config.nodeId()))
            .setProperties(properties)
            .setParameters(parameters)
            .setStateMachineRegistry(registry::apply)
            .setOption(RaftStorage.StartupOption.RECOVER)
            .build();
    this.links =
        new LinkServer(
            server,
            new InetSocketAddress(
                config.node().listen().raftHost(),
                config.node().raftPort() + LinkSettings.PORT_OFFSET),
            linkSettings);
  }

  /** Remembers which group is which shard, so recovered and new groups get the right machine. */
  public void learn(ShardMap map) {
    ring = KeyRing.of(map);
    for (ShardInfo s : map.getShardsList()) {
      shardOfGroup.put(groupIdOf(s), s.getShardId());
    }
  }

  public void start() throws IOException {
    server.start();
    links.start();
    started = true;
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
      // A shard being added is founded by LocalReplicas, not created from the map's peers.
      if (s.getReplicasList().contains(config.nodeId())
          && !present.contains(gid)
          && !s.getFilling()) {
        missing.add(s);
      }
    }
    if (map.getEpoch() > 1 && !holdsSome) {
      // Not the cluster's first map: a replica that is missing here now was moved away (its group
      // has other voters) or is to be added through a move, never created with the map's peers.
      return;
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
   * The group's first peers. The first replica in placement order gets priority 1, so that it wins
   * the group's first election (Ratis makes a lower-priority candidate lose to a higher-priority
   * voter with an equal log), and leadership starts where placement wants it. The leader's first
   * configuration change makes every priority 0 for good ({@code ConfPlan}): priorities that change
   * can deadlock an election, while this one-time start cannot, as no second replica ever gets a
   * higher priority than another.
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

  /**
   * True if the local replica of the group was just elected and has not committed an entry of its
   * term yet: it will serve in a moment.
   */
  public boolean isLeaderNotReadyYet(RaftGroupId gid) {
    return division(gid)
        .map(d -> d.getInfo().isAlive() && d.getInfo().isLeader() && !d.getInfo().isLeaderReady())
        .orElse(false);
  }

  /** Leadership events of this node's data-shard replicas. */
  public LeaderEvents leaderEvents() {
    return leaderEvents;
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
      // Straight to the group's division, on this thread. RaftServer's own entry point hands every
      // request to the division's client executor and blocks here until that thread has appended
      // it (RaftServerImpl.executeSubmitClientRequestAsync): two thread switches per entry that
      // buy nothing, as this thread waits anyway.
      if (server.getDivision(gid) instanceof RaftClientAsynchronousProtocol division) {
        return division.submitClientRequestAsync(request);
      }
      return server.submitClientRequestAsync(request);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * The configuration of a group this node leads: voters with their priorities, and the followers
   * that answered the leader within the last {@code heardWithinMs}.
   */
  public record LedConf(Map<String, Integer> voters, boolean stable, Set<String> responsive) {}

  /**
   * The configuration of {@code gid} if the local replica leads it. Not stable while Ratis is in a
   * joint configuration.
   */
  public Optional<LedConf> ledConf(RaftGroupId gid, long heardWithinMs) {
    RaftServer.Division d = division(gid).orElse(null);
    if (d == null || !d.getInfo().isAlive() || !d.getInfo().isLeader()) {
      return Optional.empty();
    }
    RaftConfiguration conf = d.getRaftConf();
    Map<String, Integer> voters = new java.util.LinkedHashMap<>();
    conf.getCurrentPeers().forEach(p -> voters.put(p.getId().toString(), p.getPriority()));
    Set<String> responsive = new HashSet<>();
    var roleInfo = d.getInfo().getRoleInfoProto();
    if (roleInfo.hasLeaderInfo()) {
      for (var f : roleInfo.getLeaderInfo().getFollowerInfoList()) {
        if (f.getLastRpcElapsedTimeMs() <= heardWithinMs) {
          responsive.add(f.getId().getId().toStringUtf8());
        }
      }
    }
    return Optional.of(new LedConf(voters, conf.getPreviousPeers().isEmpty(), responsive));
  }

  /**
   * Asks Ratis to hand the leadership of {@code gid} to {@code target} (Ratis requires it to have
   * the highest priority, which equal priorities satisfy). Until it has, Ratis refuses new writes
   * (they are retried), so a follower that never quite catches up under load gets there; completes
   * when {@code target} leads, fails after {@code timeoutMs}.
   */
  public CompletableFuture<Void> transferLeadership(
      RaftGroupId gid, String target, long timeoutMs) {
    return handOver(gid, RaftPeerId.valueOf(target), timeoutMs);
  }

  /**
   * Proposes {@code voters} (node id to Raft priority, addresses from {@code map}) as the group's
   * configuration, compare-and-set against the one read just before, so a concurrent change wins.
   * Ratis catches new voters up before the change takes effect and uses joint consensus. Completes
   * when the change has committed; fails if this replica does not lead, or on a concurrent change.
   */
  public CompletableFuture<Void> proposeVoters(
      RaftGroupId gid, Map<String, Integer> voters, ShardMap map) {
    RaftServer.Division d = division(gid).orElse(null);
    if (d == null || !d.getInfo().isLeader()) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("this node does not lead group " + gid));
    }
    RaftConfiguration conf = d.getRaftConf();
    List<RaftPeer> current = List.copyOf(conf.getCurrentPeers());
    List<RaftPeer> listeners = List.copyOf(conf.getCurrentPeers(RaftPeerRole.LISTENER));
    List<RaftPeer> next = new ArrayList<>();
    for (Map.Entry<String, Integer> v : voters.entrySet()) {
      next.add(
          RaftPeer.newBuilder()
              .setId(v.getKey())
              .setAddress(raftAddressOf(v.getKey(), map))
              .setPriority(v.getValue())
              .build());
    }
    SetConfigurationRequest request =
        new SetConfigurationRequest(
            localClientId,
            server.getId(),
            gid,
            callIds.incrementAndGet(),
            SetConfigurationRequest.Arguments.newBuilder()
                .setServersInNewConf(next)
                .setListenersInNewConf(listeners)
                .setServersInCurrentConf(current)
                .setListenersInCurrentConf(listeners)
                .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
                .build());
    CompletableFuture<Void> done;
    try {
      done = d.getRaftServer().setConfigurationAsync(request).thenAccept(RaftHost::requireSuccess);
    } catch (IOException | RuntimeException e) {
      done = CompletableFuture.failedFuture(e);
    }
    return done.exceptionallyCompose(e -> CompletableFuture.failedFuture(wedgedOrAsIs(gid, e)));
  }

  /**
   * Ratis refuses a change with an IOException or a failed reply; an IllegalStateException is one
   * of its own assertions failing, which leaves the leader wedged ({@link WedgedLeaderException}).
   */
  private static Throwable wedgedOrAsIs(RaftGroupId gid, Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    return cause instanceof IllegalStateException ise ? new WedgedLeaderException(gid, ise) : e;
  }

  /**
   * Makes this replica give up the leadership of {@code gid} (Ratis's step-down): the group elects
   * a leader afresh, possibly this replica again, in a new term. Writes to the group wait for the
   * election. Completes once it has stepped down; fails if it does not lead.
   */
  public CompletableFuture<Void> stepDown(RaftGroupId gid, long timeoutMs) {
    return handOver(gid, null, timeoutMs);
  }

  /**
   * Ratis's leadership transfer, to {@code target} or, when it is null, to whoever wins the next
   * election (a step-down), with the hand-over noted for read leases ({@link #noteHandOver}).
   */
  private CompletableFuture<Void> handOver(RaftGroupId gid, RaftPeerId target, long timeoutMs) {
    RaftServer.Division d = division(gid).orElse(null);
    if (d == null) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("no replica of group " + gid + " here"));
    }
    Runnable over = noteHandOver(d);
    CompletableFuture<Void> done;
    try {
      done =
          d.getRaftServer()
              .transferLeadershipAsync(
                  new TransferLeadershipRequest(
                      localClientId,
                      server.getId(),
                      gid,
                      callIds.incrementAndGet(),
                      target,
                      timeoutMs))
              .thenAccept(RaftHost::requireSuccess);
    } catch (IOException | RuntimeException e) {
      done = CompletableFuture.failedFuture(e);
    }
    return done.whenComplete((v, e) -> over.run());
  }

  /**
   * Records, before this replica asks Ratis to hand its leadership over, that a hand-over may run
   * from now until the returned task runs (when Ratis has answered), and in every term up to the
   * one then. The replica it hands over to campaigns at once, without waiting out an election
   * timeout, which a read lease rests on (read/ReadLease); Ratis runs the request on a thread of
   * its own, possibly after this replica lost and regained leadership in a later term.
   */
  private Runnable noteHandOver(RaftServer.Division d) {
    RaftGroupId gid = d.getMemberId().getGroupId();
    AtomicInteger pending = handOversPending.computeIfAbsent(gid, g -> new AtomicInteger());
    pending.incrementAndGet();
    handOverTerms.merge(gid, d.getInfo().getCurrentTerm(), Math::max);
    return () -> {
      handOverTerms.merge(gid, d.getInfo().getCurrentTerm(), Math::max);
      pending.decrementAndGet();
    };
  }

  /** Whether a hand-over of {@code gid}'s leadership may have run in {@code term} here. */
  public boolean handOverStarted(RaftGroupId gid, long term) {
    AtomicInteger pending = handOversPending.get(gid);
    if (pending != null && pending.get() > 0) {
      return true;
    }
    Long t = handOverTerms.get(gid);
    return t != null && t >= term;
  }

  private static void requireSuccess(RaftClientReply reply) {
    if (!reply.isSuccess()) {
      Throwable e = reply.getException();
      throw new CompletionException(
          e != null ? e : new IOException("Ratis refused the request without saying why"));
    }
  }

  private static String raftAddressOf(String nodeId, ShardMap map) {
    NodeInfo n =
        map.getNodesList().stream()
            .filter(x -> x.getId().equals(nodeId))
            .findFirst()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "shard map names node " + nodeId + " but does not list it"));
    return n.getHost() + ":" + n.getRaftPort();
  }

  /**
   * Creates an empty replica of {@code group} here, for a move that adds this node. It has no
   * configuration, so it neither votes nor starts elections; it learns its group from the leader's
   * snapshot and log once the leader adds it.
   */
  public void createReplica(ShardInfo group) throws IOException {
    addLocally(
        group, RaftGroup.valueOf(groupIdOf(group)), "an empty replica", "a move to this node");
  }

  /**
   * Founds a shard being added (docs/shard-split.md): this node's replica of the new group, with
   * itself as the group's only voter, so it elects itself and takes the split's first steps; the
   * rebalancer then adds the other replicas through moves, each staged by Raft before it votes.
   * Only for a filling shard whose map names this node alone: a replica that joins an existing
   * group is always created empty ({@link #createReplica}).
   */
  public void createFounder(ShardInfo group, ShardMap map) throws IOException {
    if (!group.getFilling()
        || group.getReplicasCount() != 1
        || !group.getReplicas(0).equals(nodeId())) {
      throw new IllegalArgumentException(
          describe(group) + " is not a filling shard founded on this node; not creating it");
    }
    addLocally(
        group,
        RaftGroup.valueOf(groupIdOf(group), peersOf(group, map)),
        "the founding replica (its only voter until the rebalancer adds more)",
        "a shard being added");
  }

  /** Adds this node's replica of {@code group} as {@code raftGroup}, unless it has one already. */
  private void addLocally(ShardInfo group, RaftGroup raftGroup, String what, String why)
      throws IOException {
    RaftGroupId gid = raftGroup.getGroupId();
    shardOfGroup.put(gid, group.getShardId());
    if (division(gid).isPresent() || !changing.add(gid)) {
      return;
    }
    try {
      // A directory without a replica is what an earlier attempt left behind; Ratis would refuse
      // to format over it.
      setAside(gid, "left by an earlier attempt to create it");
      removedHere.remove(gid);
      RaftClientReply reply =
          server.groupManagement(
              GroupManagementRequest.newAdd(
                  localClientId, server.getId(), callIds.incrementAndGet(), raftGroup));
      if (!reply.isSuccess()) {
        throw new IOException(
            "cannot create " + what + " of " + describe(group) + ": " + reply.getException());
      }
      LOG.info("created {} of {} for {}", what, describe(group), why);
    } finally {
      changing.remove(gid);
    }
  }

  /**
   * Removes this node's replica of {@code group} once the map no longer places it here. Its
   * directory is renamed under data.dir/removed-replicas, not deleted: the group's data lives on
   * its other replicas, and an operator may still want this copy after a mistake.
   */
  public void removeReplica(ShardInfo group) throws IOException {
    RaftGroupId gid = groupIdOf(group);
    if (division(gid).isEmpty() || !changing.add(gid)) {
      return;
    }
    boolean removed = false;
    try {
      removedHere.add(gid);
      RaftClientReply reply =
          server.groupManagement(
              GroupManagementRequest.newRemove(
                  localClientId, server.getId(), callIds.incrementAndGet(), gid, false, false));
      if (!reply.isSuccess()) {
        throw new IOException(
            "cannot remove replica of " + describe(group) + ": " + reply.getException());
      }
      removed = true;
      failures.forget(gid);
      Path kept = setAside(gid, "removed");
      LOG.info(
          "removed the replica of {}: the map no longer places it here (its files are kept in {})",
          describe(group),
          kept);
    } finally {
      if (!removed && division(gid).isPresent()) {
        // Still a live replica: it must close unexpectedly no more quietly than any other, and
        // take its snapshots (a replica "leaving" takes none; its log would grow for good).
        removedHere.remove(gid);
      }
      changing.remove(gid);
    }
  }

  /**
   * Whether the local replica of {@code gid} closes because it left its group: this node is
   * removing it, or its current configuration no longer names this node (Ratis closes such a
   * replica itself: a removed leader once the change commits, a removed follower at its next
   * election timeout).
   */
  private boolean leftItsGroup(RaftGroupId gid) {
    if (changing.contains(gid) || removedHere.contains(gid)) {
      return true;
    }
    try {
      RaftConfiguration conf = server.getDivision(gid).getRaftConf();
      // The current (new) configuration, as Ratis checks it: a follower removed while still
      // holding only the joint configuration finds itself "not in conf" at its next election
      // timeout and closes itself.
      return conf != null
          && conf.getCurrentPeers().stream().noneMatch(p -> p.getId().equals(server.getId()))
          && conf.getCurrentPeers(RaftPeerRole.LISTENER).stream()
              .noneMatch(p -> p.getId().equals(server.getId()));
    } catch (IOException | RuntimeException e) {
      LOG.info(
          "replica of group {} closing; its configuration cannot be read: {}", gid, e.toString());
      return false;
    }
  }

  /**
   * Moves the group's directory, if there is one, to data.dir/removed-replicas, replacing an older
   * copy of the same group there: one copy per group is kept for an operator who wants it after a
   * mistake; delete the folder to free the space.
   */
  private Path setAside(RaftGroupId gid, String why) throws IOException {
    Path dir = config.dataDir().resolve("raft").resolve(gid.getUuid().toString());
    Path kept = config.dataDir().resolve(REMOVED_REPLICAS).resolve(gid.getUuid().toString());
    if (!Files.exists(dir)) {
      return kept;
    }
    Files.createDirectories(kept.getParent());
    if (Files.exists(kept)) {
      try (Stream<Path> old = Files.walk(kept)) {
        for (Path p : old.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    Files.move(dir, kept, StandardCopyOption.ATOMIC_MOVE);
    LOG.info("moved the directory of group {} ({}) to {}", gid, why, kept);
    return kept;
  }

  /** Whether this node holds a started, running replica of the group (not one being created). */
  public boolean replicaReady(RaftGroupId gid) {
    return started
        && !changing.contains(gid)
        && division(gid).map(d -> d.getInfo().isAlive()).orElse(false);
  }

  /**
   * Whether this node's replica of {@code gid} is closed because it left its group (Ratis closes a
   * replica that finds itself out of its group's configuration) and did not fail: such a replica
   * may be created afresh, empty, if the map names this node again, since the group's leader then
   * adds it as a new member and catches it up before it votes. A replica closed by a failure is
   * never re-created: its data may be all that is left of some entries.
   */
  public boolean closedAfterLeaving(RaftGroupId gid) {
    return division(gid).map(d -> !d.getInfo().isAlive()).orElse(false)
        && failures.of(gid).isEmpty()
        && (failures.hasLeft(gid) || leftItsGroup(gid));
  }

  /** The groups this node holds a replica of. */
  public Set<RaftGroupId> localGroups() {
    Set<RaftGroupId> out = new HashSet<>();
    server.getGroupIds().forEach(out::add);
    return out;
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
    links.close();
    try {
      server.close(); // every replica waits for its snapshot in writing as it closes
    } finally {
      snapshotWriter.shutdown();
    }
  }
}

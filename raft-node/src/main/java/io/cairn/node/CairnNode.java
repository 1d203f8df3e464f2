package io.cairn.node;

import io.cairn.node.api.AuthService;
import io.cairn.node.api.Callers;
import io.cairn.node.api.ClusterService;
import io.cairn.node.api.ForwardedCalls;
import io.cairn.node.api.KvService;
import io.cairn.node.api.LeaderHintInterceptor;
import io.cairn.node.api.LoginThrottle;
import io.cairn.node.api.MalformedRequests;
import io.cairn.node.api.PeerCallsOnClientPort;
import io.cairn.node.api.PeerService;
import io.cairn.node.api.SessionQuota;
import io.cairn.node.catchup.StalledFollowerNudger;
import io.cairn.node.catchup.StalledFollowerWatch;
import io.cairn.node.config.NodeConfig;
import io.cairn.node.membership.ClusterJoin;
import io.cairn.node.membership.ConfReconciler;
import io.cairn.node.membership.EmptyDataDir;
import io.cairn.node.membership.LocalReplicas;
import io.cairn.node.membership.MembershipCommands;
import io.cairn.node.membership.Rebalancer;
import io.cairn.node.membership.ShardSplitter;
import io.cairn.node.ops.HttpEndpoint;
import io.cairn.node.ops.NodeHealth;
import io.cairn.node.ops.NodeMetrics;
import io.cairn.node.ops.NodeStatusReader;
import io.cairn.node.ops.StateDigests;
import io.cairn.node.read.LeadershipConfirmations;
import io.cairn.node.read.MetaReads;
import io.cairn.node.read.ShardReads;
import io.cairn.node.replica.MetaStateMachine;
import io.cairn.node.replica.RaftHost;
import io.cairn.node.replica.ReplicaFailures;
import io.cairn.node.routing.GroupClients;
import io.cairn.node.routing.LeaderHints;
import io.cairn.node.routing.MapChanges;
import io.cairn.node.routing.MapFile;
import io.cairn.node.routing.MetaBootstrap;
import io.cairn.node.routing.PeerChannels;
import io.cairn.node.routing.RequestForwarder;
import io.cairn.node.routing.ShardDirectory;
import io.cairn.node.runtime.NodeRuntime;
import io.cairn.node.security.AtRestKeys;
import io.cairn.node.security.NodeTls;
import io.cairn.node.security.Tokens;
import io.cairn.node.write.ShardWrites;
import io.cairn.proto.NodeAddresses;
import io.cairn.proto.ReplicaStatus;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import io.cairn.statemachine.RequestLimits;
import io.cairn.statemachine.ShardPlacement;
import io.grpc.BindableService;
import io.grpc.ChannelCredentials;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Cairn node: the composition root. Wires the Ratis host (all local replicas), the meta
 * bootstrap, the request path, the public gRPC server and the HTTP endpoint, and closes them in
 * reverse order.
 */
public final class CairnNode implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(CairnNode.class);

  private final NodeConfig config;
  private final NodeRuntime runtime;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final RaftHost host;
  private final ShardDirectory directory;
  private final NodeStatusReader statusReader;
  private final ReplicaFailures failures;
  private final MetaBootstrap bootstrap;

  private CairnNode(NodeConfig config, NodeRuntime runtime) throws IOException {
    this.config = config;
    this.runtime = runtime;
    closeables.add(runtime.scheduler());
    ListenPorts.requireFree(config.node());
    Files.createDirectories(config.dataDir());
    ownerOnly(config.dataDir());
    Optional<NodeTls> nodeTls = NodeTls.start(config, runtime.scheduler());
    nodeTls.ifPresent(closeables::add);
    Optional<NodeTls> clientTls = config.clientTls().enabled() ? nodeTls : Optional.empty();
    // Other nodes' peer ports, and (joining, and nodes of maps from before peer ports) client
    // ports.
    ChannelCredentials toPeerPorts = NodeTls.channelCredentials(nodeTls);
    ChannelCredentials toClientPorts = NodeTls.channelCredentials(clientTls);
    MapFile mapFile = new MapFile(config.dataDir());
    ShardMap initialMap = startingMap(config, mapFile, toPeerPorts, toClientPorts);
    directory = new ShardDirectory(initialMap);
    directory.onChange(
        map -> {
          try {
            mapFile.save(map);
          } catch (RuntimeException e) {
            LOG.warn("{}", e.getMessage(), e);
          }
        });

    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("node", config.nodeId());
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    closeables.add(gc);
    NodeMetrics metrics = new NodeMetrics(registry);

    failures = new ReplicaFailures(runtime.fatal());
    // Closed after the host (closeables close in reverse): the replicas' closes come first.
    closeables.add(failures);
    host =
        new RaftHost(
            config,
            nodeTls,
            runtime.clock(),
            failures,
            initialMap,
            () -> new MetaStateMachine(directory::adopt, failures));
    directory.onChange(host::learn);
    closeables.add(host);
    // Replicas missing on disk (a new cluster, or a wiped node) are created before the Raft port
    // opens. Created on a running server, a replica can receive the leader's snapshot while it is
    // still starting, and Ratis 3.3.0 then fails to start it ("previous != null" from RoleInfo):
    // the node did not start (seen in a wiped-replica test, about one start in six).
    host.ensureLocalGroups(initialMap);
    host.start();
    PeerChannels peers =
        new PeerChannels(directory, toPeerPorts, toClientPorts, inboundBytesMax(config.limits()));
    closeables.add(peers);
    GroupClients metaClients = new GroupClients(config, nodeTls);
    closeables.add(metaClients);
    bootstrap =
        new MetaBootstrap(
            initialMap,
            directory,
            metaClients,
            config.meta(),
            runtime.scheduler(),
            peers,
            config.raft().requestTimeoutMs());
    bootstrap.start();
    closeables.add(bootstrap);
    MapChanges mapChanges = new MapChanges(directory, metaClients);
    closeables.add(mapChanges);
    NodeConfig.Membership membership = config.membership();
    closeables.add(
        new ConfReconciler(
            host,
            directory,
            mapChanges,
            peers,
            runtime.scheduler(),
            runtime.clock(),
            membership.tickMs(),
            config.raft().requestTimeoutMs(),
            config.raft().electionTimeoutMsMin(),
            bootstrap::installed));
    closeables.add(
        new LocalReplicas(
            host, directory, runtime.scheduler(), membership.tickMs(), bootstrap::installed));
    Rebalancer rebalancer =
        new Rebalancer(
            host,
            directory,
            mapChanges,
            peers,
            runtime.clock(),
            runtime.scheduler(),
            membership,
            config.meta().statusPeerTimeoutMs(),
            bootstrap::installed);
    closeables.add(rebalancer);
    closeables.add(
        new ShardSplitter(
            host,
            directory,
            mapChanges,
            peers,
            runtime.scheduler(),
            membership,
            config.raft().requestTimeoutMs(),
            bootstrap::installed));
    statusReader =
        new NodeStatusReader(
            host, directory, failures, runtime.clock(), rebalancer::nodesDownSince);
    // Replicas arrive by moves too: every map that places one here registers its gauges (once).
    // The listener first, then the map adopted so far: none falls between the two.
    directory.onChange(map -> registerReplicaGaugesQuietly(metrics, map));
    registerReplicaGauges(metrics, directory.map());

    LeaderHints leaders = new LeaderHints(host);
    RequestForwarder forwarder =
        new RequestForwarder(peers, leaders, config.request().forwardTimeoutMsMax());
    ShardWrites writes =
        new ShardWrites(
            config, host, leaders, forwarder, metrics, runtime.clock(), runtime.scheduler());
    closeables.add(writes);
    ShardReads reads =
        new ShardReads(
            config, host, leaders, peers, forwarder, metrics, runtime.clock(), runtime.scheduler());
    NodeConfig.Limits sizes = config.limits();
    RequestLimits limits = new RequestLimits(sizes.keyBytesMax(), sizes.valueBytesMax());
    Optional<Tokens> tokens = Tokens.load(config.auth());
    Callers callers =
        new Callers(config.auth().enabled(), directory, clientTls, tokens, runtime.clock());
    LoginThrottle logins = LoginThrottle.create();
    AuthService auth =
        new AuthService(callers, tokens, directory, mapChanges, logins, runtime.clock());
    closeables.add(auth);
    KvService kv =
        new KvService(
            directory,
            writes,
            reads,
            leaders,
            limits,
            AtRestKeys.load(config.atRest()),
            callers,
            SessionQuota.of(config.limits().sessionsPerCallerMax()),
            metrics,
            runtime.clock(),
            runtime.scheduler(),
            config.request().timeoutMsDefault());
    ClusterService cluster =
        new ClusterService(
            directory,
            config.nodeId(),
            leaders,
            statusReader,
            peers,
            config.meta().statusPeerTimeoutMs(),
            new StateDigests(
                host, directory, runtime.scheduler(), config.raft().requestTimeoutMs()),
            new MembershipCommands(mapChanges));
    PeerService peerService =
        new PeerService(
            new LeadershipConfirmations(host),
            new StalledFollowerNudger(
                host,
                config.raft().requestTimeoutMs(),
                config.catchup().nudgeIntervalMs(),
                runtime.clock()),
            new MetaReads(host, peers, config.read().confirmTimeoutMs(), metrics, runtime.clock()),
            host,
            directory,
            config.raft().requestTimeoutMs());
    // Accept somewhat more than the value limit so an oversized value gets our clear
    // INVALID_ARGUMENT instead of a transport-level RESOURCE_EXHAUSTED.
    int inboundMax =
        Math.max(4 << 20, 2 * sizes.valueBytesMax() + 2 * sizes.keyBytesMax() + (64 << 10));
    LeaderHintInterceptor hints = new LeaderHintInterceptor();
    // Maps from before peer ports: this node's peers then call its client port.
    BooleanSupplier noPeerPort =
        () -> directory.node(config.nodeId()).map(n -> n.getPeerPort() == 0).orElse(false);
    // The services never block (they hand work to Ratis and complete from its callbacks), so they
    // run on the transport's event loop: one thread hand-off less per request on a small machine.
    Server grpc =
        NettyServerBuilder.forAddress(
                new InetSocketAddress(
                    config.node().listen().clientHost(), config.node().clientPort()),
                NodeTls.serverCredentials(clientTls))
            .directExecutor()
            .maxInboundMessageSize(inboundMax)
            .maxConcurrentCallsPerConnection(config.limits().callsPerConnectionMax())
            .addService(
                guarded(kv, hints, ForwardedCalls.onClientPort(clientTls, noPeerPort), callers))
            .addService(guarded(cluster, hints, callers))
            .addService(guarded(auth, logins, callers))
            .addService(guarded(peerService, new PeerCallsOnClientPort(clientTls, noPeerPort)))
            .build()
            .start();
    closeables.add(() -> stop(grpc));
    // Node-to-node calls on a port of their own, beside the Raft port and behind the same mutual
    // TLS: only certificates of the cluster CA get through the handshake. Its callers are members,
    // so the Callers interceptor lets them do everything, as on the client port.
    Server peerPort =
        NettyServerBuilder.forAddress(
                new InetSocketAddress(config.node().listen().raftHost(), config.node().peerPort()),
                NodeTls.peerServerCredentials(nodeTls))
            .directExecutor()
            .maxInboundMessageSize(inboundMax)
            .addService(guarded(peerService))
            .addService(guarded(kv, hints, ForwardedCalls.onPeerPort(), callers))
            .addService(guarded(cluster, hints, callers))
            .build()
            .start();
    closeables.add(() -> stop(peerPort));

    StalledFollowerWatch stalledFollowers =
        new StalledFollowerWatch(
            host, peers, config.catchup(), runtime.clock(), runtime.scheduler());
    stalledFollowers.start();
    closeables.add(stalledFollowers);

    NodeConfig.Node self = config.node();
    HttpEndpoint http =
        new HttpEndpoint(
            self.listen().httpHost(),
            self.httpPort(),
            registry::scrape,
            () -> NodeHealth.of(statusReader.read()));
    http.start();
    closeables.add(http);
    LOG.info(
        "node {} serving clients on {}:{}, raft on {}:{}, peers on {}:{}, http on {}:{};"
            + " advertised to nodes as {}, to clients as {}",
        self.id(),
        self.listen().clientHost(),
        self.clientPort(),
        self.listen().raftHost(),
        self.raftPort(),
        self.listen().raftHost(),
        self.peerPort(),
        self.listen().httpHost(),
        self.httpPort(),
        self.host(),
        self.clientHost().isEmpty() ? self.host() : self.clientHost());
    if (config.peerTls().insecure()) {
      LOG.warn(
          "the Raft port {}:{} and the peer port {} are OPEN (peer-tls.insecure=true): anyone"
              + " who can reach them can write entries, rewrite the shard map and delete replicas."
              + " Set peer-tls.cert-file, peer-tls.key-file and peer-tls.ca-file to require member"
              + " certificates.",
          self.host(),
          self.raftPort(),
          self.peerPort());
    } else {
      LOG.info(
          "the Raft and peer ports accept only certificates signed by {}",
          config.peerTls().caFile());
    }
    NodeConfig.ClientTls tls = config.clientTls();
    if (!tls.enabled()) {
      LOG.warn(
          "the client port {}:{} is plaintext (client-tls.enabled=false): requests, values and"
              + " client ids travel in clear",
          self.host(),
          self.clientPort());
    } else if (tls.clientCaFile() == null) {
      LOG.info("the client port is TLS; clients need no certificate");
    } else {
      LOG.info(
          "the client port is mutual TLS: clients need a certificate signed by {}",
          tls.clientCaFile());
    }
    if (!config.auth().enabled()) {
      LOG.warn(
          "auth is OFF (auth.enabled=false): any caller who reaches the client port may read and"
              + " write every key and call the admin API. Create a root user (cairnctl user put),"
              + " then set auth.enabled=true (docs/security.md, \"Users and roles\").");
    } else {
      LOG.info("auth is on: every call needs a user's token or certificate, or a member's");
    }
  }

  /**
   * {@code service} behind {@code interceptors} (as in ServerInterceptors.intercept, the last one
   * listed sees a call first), with undecodable requests answered INVALID_ARGUMENT.
   */
  private static ServerServiceDefinition guarded(
      BindableService service, ServerInterceptor... interceptors) {
    return ServerInterceptors.intercept(
        MalformedRequests.rejectAsInvalidArgument(service.bindService()), interceptors);
  }

  private void stop(Server server) throws InterruptedException {
    server.shutdown();
    if (!server.awaitTermination(config.node().shutdownGraceMs(), TimeUnit.MILLISECONDS)) {
      server.shutdownNow();
    }
  }

  /**
   * Makes the data dir 0700. Ratis and MapDB create their files with the process's umask (often
   * 0644); a directory only its owner may enter keeps every one of them from other local users,
   * whatever their own mode.
   */
  private static void ownerOnly(Path dataDir) throws IOException {
    try {
      Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
    } catch (UnsupportedOperationException e) {
      LOG.warn(
          "data dir {} is on a file system without POSIX permissions; it stays as it is", dataDir);
    } catch (IOException e) {
      throw new IOException(
          "cannot make data dir "
              + dataDir
              + " owner-only (0700): "
              + e.getMessage()
              + "; run the node as the directory's owner",
          e);
    }
  }

  /**
   * The map the node starts from: the one saved in its data dir (the cluster may have changed shape
   * since it was created), else, on a joining node's first start, the one it gets by joining, else
   * the initial map computed from the seed nodes. The meta group's map replaces it as soon as the
   * node reaches the meta group.
   */
  private static ShardMap startingMap(
      NodeConfig config,
      MapFile mapFile,
      ChannelCredentials toPeerPorts,
      ChannelCredentials toClientPorts)
      throws IOException {
    NodeConfig.Cluster shape = config.cluster();
    ShardMap computed =
        shape.joins()
            ? null
            : ShardPlacement.initialMap(
                shape.id(),
                shape.seedNodes(),
                shape.shards(),
                shape.replicationFactor(),
                shape.virtualNodesPerShard());
    ShardMap saved = mapFile.load(shape.id()).orElse(null);
    if (saved != null && (computed == null || saved.getEpoch() >= computed.getEpoch())) {
      LOG.info("starting from the shard map saved in the data dir (epoch {})", saved.getEpoch());
      return saved;
    }
    if (computed == null) {
      ShardMap joined = ClusterJoin.join(config, toClientPorts);
      mapFile.save(joined);
      return joined;
    }
    if (EmptyDataDir.isEmpty(config.dataDir())) {
      Optional<ShardMap> existing = EmptyDataDir.existingCluster(config, toPeerPorts);
      if (existing.isPresent()) {
        ShardMap rejoined =
            ClusterJoin.join(config, otherMembers(config, existing.get()), toClientPorts);
        mapFile.save(rejoined);
        return rejoined;
      }
    }
    return computed;
  }

  /** host:client-port of every member but this node, to rejoin through. */
  private static List<String> otherMembers(NodeConfig config, ShardMap map) {
    List<String> members =
        map.getNodesList().stream()
            .filter(n -> !n.getId().equals(config.nodeId()))
            .filter(n -> n.getState() != io.cairn.proto.NodeState.NODE_REMOVED)
            .map(NodeAddresses::clientEndpoint)
            .toList();
    if (members.isEmpty()) {
      throw new IllegalStateException("the cluster's map lists no other member to rejoin through");
    }
    return members;
  }

  /** Starts a node on the system clock, with a fatal error ending the process. */
  public static CairnNode start(NodeConfig config) throws IOException {
    return start(config, NodeRuntime.production());
  }

  /**
   * Starts a node that takes its clock, scheduler and fatal-error handling from {@code runtime}.
   */
  public static CairnNode start(NodeConfig config, NodeRuntime runtime) throws IOException {
    return new CairnNode(config, runtime);
  }

  /** For map listeners, which run on the meta group's apply thread: never throws. */
  private void registerReplicaGaugesQuietly(NodeMetrics metrics, ShardMap map) {
    try {
      registerReplicaGauges(metrics, map);
    } catch (RuntimeException e) {
      LOG.warn(
          "cannot register the gauges of this node's replicas (map epoch {})", map.getEpoch(), e);
    }
  }

  private void registerReplicaGauges(NodeMetrics metrics, ShardMap map) {
    List<ShardInfo> all = new ArrayList<>(map.getShardsList());
    all.add(map.getMeta());
    for (ShardInfo s : all) {
      if (!s.getReplicasList().contains(config.nodeId())) {
        continue;
      }
      var gid = RaftHost.groupIdOf(s);
      String label = s.getShardId() == 0 ? "meta" : Integer.toString(s.getShardId());
      metrics.replica(
          gid.toString(),
          RaftGroupMemberId.valueOf(RaftPeerId.valueOf(config.nodeId()), gid).toString(),
          label,
          () -> statusReader.replica(gid).orElse(null),
          new NodeMetrics.ReplicaGauges<ReplicaStatus>(
              r -> r.getRole().equals("LEADER") ? 1 : 0,
              r -> r.getRole().equals("FAILED") ? 1 : 0,
              ReplicaStatus::getTerm,
              ReplicaStatus::getCommitIndex,
              ReplicaStatus::getAppliedIndex,
              ReplicaStatus::getSnapshotIndex,
              ReplicaStatus::getLogBytes,
              ReplicaStatus::getStoreBytes,
              ReplicaStatus::getKeys));
    }
  }

  public ShardDirectory directory() {
    return directory;
  }

  public RaftHost host() {
    return host;
  }

  public NodeStatusReader statusReader() {
    return statusReader;
  }

  /**
   * True once the meta group confirmed a shard map to this node (until then it routes by config).
   */
  public boolean mapConfirmed() {
    return bootstrap.installed();
  }

  @Override
  public void close() {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      try {
        closeables.get(i).close();
      } catch (Exception e) {
        LOG.warn("error while closing {}", closeables.get(i), e);
      }
    }
  }

  /**
   * Largest answer this node takes from another node's peer port: as large as Raft messages may be
   * (a split's export page is up to 1 MiB of keys and values plus one value of the largest size).
   */
  private static int inboundBytesMax(NodeConfig.Limits limits) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(64L << 20, 4L * limits.valueBytesMax()));
  }
}

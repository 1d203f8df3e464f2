package io.cairn.node;

import io.cairn.node.api.ClusterService;
import io.cairn.node.api.ForwardedCalls;
import io.cairn.node.api.KvService;
import io.cairn.node.api.LeaderHintInterceptor;
import io.cairn.node.api.MalformedRequests;
import io.cairn.node.api.PeerService;
import io.cairn.node.cluster.MetaBootstrap;
import io.cairn.node.cluster.NodeStatusReader;
import io.cairn.node.cluster.PeerChannels;
import io.cairn.node.cluster.ShardDirectory;
import io.cairn.node.config.NodeConfig;
import io.cairn.node.metrics.HttpEndpoint;
import io.cairn.node.metrics.NodeMetrics;
import io.cairn.node.raft.GroupClients;
import io.cairn.node.raft.MetaStateMachine;
import io.cairn.node.raft.RaftHost;
import io.cairn.node.raft.ShardRequests;
import io.cairn.node.raft.StalledFollowerNudger;
import io.cairn.node.raft.StalledFollowerWatch;
import io.cairn.proto.ReplicaStatus;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import io.cairn.statemachine.RequestLimits;
import io.cairn.statemachine.ShardPlacement;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final RaftHost host;
  private final ShardDirectory directory;
  private final NodeStatusReader statusReader;

  private CairnNode(NodeConfig config) throws IOException {
    this.config = config;
    Files.createDirectories(config.dataDir());
    ShardMap initialMap = ShardPlacement.initialMap(config.clusterId(), config.seedNodes(), config.shards(),
        config.replicationFactor(), config.virtualNodesPerShard());
    directory = new ShardDirectory(initialMap);

    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("node", config.nodeId());
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    closeables.add(gc);
    NodeMetrics metrics = new NodeMetrics(registry);

    MetaStateMachine meta = new MetaStateMachine(directory::adopt);
    host = new RaftHost(config, initialMap, meta);
    directory.onChange(host::learn);
    closeables.add(host);
    // Replicas missing on disk (a new cluster, or a wiped node) are created before the Raft port
    // opens. Created on a running server, a replica can receive the leader's snapshot while it is
    // still starting, and Ratis 3.3.0 then fails to start it ("previous != null" from RoleInfo):
    // the node did not start (seen in a wiped-replica test, about one start in six).
    host.ensureLocalGroups(initialMap);
    host.start();
    statusReader = new NodeStatusReader(host, directory);
    registerReplicaGauges(metrics, initialMap);

    GroupClients forwarders = new GroupClients(config);
    closeables.add(forwarders);
    MetaBootstrap bootstrap = new MetaBootstrap(initialMap, directory, forwarders);
    bootstrap.start();
    closeables.add(bootstrap);

    PeerChannels peers = new PeerChannels(directory);
    closeables.add(peers);
    ShardRequests requests = new ShardRequests(config, host, directory, forwarders, peers, metrics);
    closeables.add(requests);
    RequestLimits limits = new RequestLimits(config.keyBytesMax(), config.valueBytesMax());
    KvService kv = new KvService(directory, requests, limits, metrics, config.raftRequestTimeoutMs() * 3L);
    ClusterService cluster = new ClusterService(directory, host, forwarders, statusReader, peers);
    PeerService peerService = new PeerService(host, new StalledFollowerNudger(host, config.raftRequestTimeoutMs()));
    // Accept somewhat more than the value limit so an oversized value gets our clear
    // INVALID_ARGUMENT instead of a transport-level RESOURCE_EXHAUSTED.
    int inboundMax = Math.max(4 << 20, 2 * config.valueBytesMax() + 2 * config.keyBytesMax() + (64 << 10));
    LeaderHintInterceptor hints = new LeaderHintInterceptor();
    // The services never block (they hand work to Ratis and complete from its callbacks), so they
    // run on the transport's event loop: one thread hand-off less per request on a small machine.
    Server grpc = NettyServerBuilder.forAddress(new InetSocketAddress(config.host(), config.clientPort()))
        .directExecutor()
        .maxInboundMessageSize(inboundMax)
        .addService(ServerInterceptors.intercept(MalformedRequests.rejectAsInvalidArgument(kv.bindService()), hints,
            new ForwardedCalls()))
        .addService(ServerInterceptors.intercept(MalformedRequests.rejectAsInvalidArgument(cluster.bindService()), hints))
        .addService(MalformedRequests.rejectAsInvalidArgument(peerService.bindService()))
        .build()
        .start();
    closeables.add(() -> {
      grpc.shutdown();
      if (!grpc.awaitTermination(5, TimeUnit.SECONDS)) {
        grpc.shutdownNow();
      }
    });

    StalledFollowerWatch stalledFollowers = new StalledFollowerWatch(host, peers);
    stalledFollowers.start();
    closeables.add(stalledFollowers);

    HttpEndpoint http = new HttpEndpoint(config.host(), config.httpPort(), registry::scrape, this::health);
    http.start();
    closeables.add(http);
    LOG.info("node {} serving clients on {}:{}, raft on {}:{}, http on {}:{}", config.nodeId(), config.host(),
        config.clientPort(), config.host(), config.raftPort(), config.host(), config.httpPort());
  }

  public static CairnNode start(NodeConfig config) throws IOException {
    return new CairnNode(config);
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
      metrics.replica(gid.toString(), label,
          () -> host.division(gid).map(NodeStatusReader::status).orElse(null),
          new NodeMetrics.ReplicaGauges<ReplicaStatus>(
              r -> r.getRole().equals("LEADER") ? 1 : 0, ReplicaStatus::getTerm, ReplicaStatus::getCommitIndex,
              ReplicaStatus::getAppliedIndex, ReplicaStatus::getSnapshotIndex, ReplicaStatus::getLogBytes,
              ReplicaStatus::getStoreBytes, ReplicaStatus::getKeys));
    }
  }

  private HttpEndpoint.Health health() {
    var status = statusReader.read();
    boolean healthy = !status.getReplicasList().isEmpty();
    StringBuilder json = new StringBuilder("{\"node\":\"").append(config.nodeId()).append("\",\"replicas\":[");
    for (int i = 0; i < status.getReplicasCount(); i++) {
      ReplicaStatus r = status.getReplicas(i);
      healthy &= !r.getLeaderId().isEmpty();
      json.append(i == 0 ? "" : ",").append("{\"shard\":\"").append(r.getIsMeta() ? "meta" : r.getShardId())
          .append("\",\"role\":\"").append(r.getRole()).append("\",\"leader\":\"").append(r.getLeaderId())
          .append("\",\"applied\":").append(r.getAppliedIndex()).append('}');
    }
    json.append("],\"healthy\":").append(healthy).append('}');
    return new HttpEndpoint.Health(healthy, json.toString());
  }

  public ShardDirectory directory() {
    return directory;
  }

  public RaftHost host() {
    return host;
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
}

package io.cairn.node.config;

import io.cairn.proto.NodeInfo;
import java.nio.file.Path;
import java.util.List;

/**
 * The whole configuration of one node, validated: a small tree of typed records, one per concern.
 * Built by {@link NodeConfigLoader} from a properties file, {@code CAIRN_*} environment variables
 * and command-line overrides; every key, its default and its unit are documented once, in {@code
 * config/node.properties.sample} (a test keeps the two in step).
 *
 * <p>What is not here on purpose: the rules of the replicated state (session expiry, session caps
 * in {@code ClientSessions}). They must be identical on every replica, so a per-node setting could
 * make replicas diverge.
 */
public record NodeConfig(
    Node node,
    Path dataDir,
    Cluster cluster,
    Limits limits,
    Raft raft,
    Request request,
    Batch batch,
    Read read,
    Store store,
    Catchup catchup,
    Meta meta,
    Membership membership,
    PeerTls peerTls,
    ClientTls clientTls,
    AtRest atRest,
    Auth auth,
    Debug debug) {

  /**
   * This node's identity and ports; {@code host} is the address other nodes dial, and clients too
   * unless {@code clientHost} is set (both go into the shard map); each port binds its own listen
   * address, by default {@code host}.
   *
   * @param clientHost the address clients dial for the client port; empty: {@code host}
   * @param shutdownGraceMs how long the gRPC server lets calls in flight finish on shutdown
   * @param listen where each port binds
   */
  public record Node(
      String id,
      String host,
      String clientHost,
      int raftPort,
      int clientPort,
      int httpPort,
      int peerPort,
      int shutdownGraceMs,
      Listen listen) {
    public NodeInfo info() {
      return NodeInfo.newBuilder()
          .setId(id)
          .setHost(host)
          .setRaftPort(raftPort)
          .setClientPort(clientPort)
          .setHttpPort(httpPort)
          .setPeerPort(peerPort)
          .setClientHost(clientHost.equals(host) ? "" : clientHost)
          .build();
    }
  }

  /**
   * The cluster's shape at creation, identical on every node.
   *
   * @param seedNodes the nodes of the cluster when it was created; with the S/R/vnode settings they
   *     determine the initial shard map, which every node computes identically (empty on a node
   *     that joins)
   * @param join host:client-port of any member, for a node that joins a running cluster; empty for
   *     a seed node
   */
  public record Cluster(
      String id,
      List<NodeInfo> seedNodes,
      int shards,
      int replicationFactor,
      int virtualNodesPerShard,
      String join) {
    /**
     * Whether this node joins a running cluster (cluster.join) rather than being one of its seeds.
     */
    public boolean joins() {
      return !join.isEmpty();
    }
  }

  /**
   * The addresses the ports bind (an interface's address, or 0.0.0.0 for all): e.g. the Raft port
   * on a private network only, the client port on every interface behind NAT. The peer port binds
   * {@code raftHost}: both carry node-to-node traffic only.
   */
  public record Listen(String raftHost, String clientHost, String httpHost) {}

  /**
   * What a request may carry, and how many calls one client connection may have open at once (the
   * HTTP/2 stream limit the client port announces; a well-behaved client queues the rest).
   */
  /**
   * @param sessionsPerCallerMax with auth on, how many client sessions (client ids) one caller may
   *     start on a node within an hour; beyond it, writes with a new client id are refused
   */
  public record Limits(
      int keyBytesMax, int valueBytesMax, int callsPerConnectionMax, int sessionsPerCallerMax) {}

  /** Ratis settings Cairn chooses; derived into Ratis properties in one place (RaftSettings). */
  public record Raft(
      int electionTimeoutMsMin,
      int electionTimeoutMsMax,
      int requestTimeoutMs,
      int snapshotEveryEntries,
      int snapshotLogPercentOfState,
      int snapshotEntriesMax,
      int snapshotsRetained,
      int logSegmentBytesMax,
      boolean logMetadataEnabled,
      int snapshotChunkBytesMax,
      RaftTransport transport) {}

  /**
   * What carries a leader's appends and snapshot chunks to its followers. Votes, elections and
   * Ratis's client and admin calls go over the Raft port's gRPC either way.
   */
  public enum RaftTransport {
    /**
     * Raft links: a connection per leader and follower on the link port (the Raft port + 4), one
     * request at a time, read and written by the appender's own thread (docs/architecture.md, "Raft
     * links"). Every node serves the link port whatever this setting.
     */
    LINKS,
    /** Ratis's gRPC streams on the Raft port, as before links existed. */
    GRPC
  }

  /**
   * @param timeoutMsDefault how long a request without a client deadline may take
   * @param forwardTimeoutMsMax the longest one request forwarded to another node may take: a leader
   *     behind a partition that drops packets must not hold it for the client's whole deadline,
   *     when the client could retry elsewhere
   */
  public record Request(int timeoutMsDefault, int forwardTimeoutMsMax) {}

  /**
   * How a shard leader packs writes into log entries.
   *
   * @param commandsMax most commands in one log entry
   * @param bytesMax an entry stops growing once its commands reach this many bytes
   * @param inFlightMax entries per shard in flight before commands queue for the next one
   * @param queueCommandsMax commands per shard that may wait for an entry; more are refused at once
   *     with RESOURCE_EXHAUSTED
   * @param queueBytesMax bytes of commands per shard that may wait; more are refused likewise
   */
  public record Batch(
      int commandsMax, int bytesMax, int inFlightMax, int queueCommandsMax, long queueBytesMax) {}

  /**
   * @param sessionWaitMsMax how long a SESSION read waits for the local replica to catch up before
   *     it goes to the leader
   * @param confirmTimeoutMs how long a leadership confirmation waits for a replica's answer
   * @param confirmHedgeMs a confirmation round first asks only as many replicas as a majority needs
   *     (the quickest lately) and the others after this long without enough answers, or at once on
   *     a refusal; 0 asks every replica at once
   * @param leaseEnabled a leader serves LINEARIZABLE reads without a round for part of an election
   *     timeout after an empty entry it proposed committed (docs/consistency.md, "Read leases"):
   *     faster, but correct only if the nodes' monotonic clocks run at rates within 20 % of each
   *     other; off by default
   */
  public record Read(
      int sessionWaitMsMax, int confirmTimeoutMs, int confirmHedgeMs, boolean leaseEnabled) {}

  /**
   * Each replica's local store.
   *
   * @param cacheShardBytesMax bytes of keys and values each local shard replica keeps in its read
   *     cache (0 turns the cache off)
   * @param compactFileBytesMin never compact a store file smaller than this
   * @param compactFileOverSnapshotRatio compact after a snapshot when the store file is this many
   *     times larger than the snapshot
   */
  public record Store(
      long cacheShardBytesMax, long compactFileBytesMin, int compactFileOverSnapshotRatio) {}

  /**
   * Stalled-follower recovery (peer.proto, ReportStalledFollower).
   *
   * @param tickMs how often a follower looks at its replicas' applied indexes
   * @param quietAfterCaughtUpMs after a leader said "not behind", stay quiet this long
   * @param retryAfterNudgeMs after a nudge or a failed report, wait this long before the next
   * @param reportTimeoutMs how long a report waits for the leader's answer
   * @param nudgeIntervalMs a leader appends at most one empty entry per group per interval
   */
  public record Catchup(
      int tickMs,
      int quietAfterCaughtUpMs,
      int retryAfterNudgeMs,
      int reportTimeoutMs,
      int nudgeIntervalMs) {}

  /**
   * Talking to the meta group, and to other nodes about the cluster.
   *
   * @param retryMs how often a node retries until the meta group confirmed a shard map
   * @param pollMs how often it then asks the meta group for a newer map
   * @param clientRetries attempts of one meta-group call before it fails
   * @param clientRetrySleepMs pause between those attempts
   * @param statusPeerTimeoutMs how long a cluster-status call waits for each other node
   */
  public record Meta(
      int retryMs,
      int pollMs,
      int clientRetries,
      int clientRetrySleepMs,
      int statusPeerTimeoutMs) {}

  /**
   * Changing the cluster's shape (docs/membership.md).
   *
   * @param rebalance whether the meta group's leader moves replicas and leaderships by itself
   * @param tickMs how often the rebalancer looks at the cluster and a leader at its groups'
   *     configurations
   * @param movesMax replica moves in progress at once, cluster-wide
   * @param downNodeTimeoutMs a node down this long has its replicas re-created elsewhere
   * @param joinTimeoutMs how long a joining node keeps asking to be added before it gives up
   * @param existingClusterProbeMs on a seed's first start with an empty data dir, how long it asks
   *     the other seeds whether the cluster exists already (then its data was lost: it rejoins as a
   *     new member); 0 skips the question
   * @param nodesPerShard the meta group's leader adds a shard by itself whenever the active nodes
   *     number more than this many per shard ({@code ShardGrowth}); 0: never
   */
  public record Membership(
      boolean rebalance,
      int tickMs,
      int movesMax,
      long downNodeTimeoutMs,
      int joinTimeoutMs,
      int existingClusterProbeMs,
      int nodesPerShard) {}

  /**
   * Mutual TLS on the Raft port (docs/security.md): PEM files, the key unencrypted PKCS#8.
   *
   * @param insecure the port is left open to anyone who can reach it; only when configured so, and
   *     then the node says so at start
   */
  public record PeerTls(Path certFile, Path keyFile, Path caFile, boolean insecure) {}

  /**
   * TLS on the client port (docs/security.md). The port serves the node's member certificate
   * (peer-tls), so clients trust the cluster CA.
   *
   * @param clientCaFile when set, every client must present a certificate signed by it (mutual
   *     TLS); other nodes present their member certificates instead
   * @param reloadMs how often the certificate, key and CA files are checked for changes, which take
   *     effect for new connections without a restart
   */
  public record ClientTls(boolean enabled, Path clientCaFile, int reloadMs) {}

  /**
   * Encryption of values at rest (docs/security.md).
   *
   * @param keyFile the AES-256 keys, {@code ID=BASE64} per line; null: values are stored as written
   * @param activeKeyId the key new values are encrypted with; 0: the highest id in the file
   */
  public record AtRest(Path keyFile, int activeKeyId) {}

  /**
   * Users, roles and tokens on the client port (docs/security.md, "Users and roles").
   *
   * @param enabled every call needs a caller (a token, a user's client certificate or a member's)
   *     and may touch only the keys its roles grant; off: anyone who reaches the port may do
   *     anything, and the node says so at every start
   * @param tokenKeyFile the HMAC keys that sign tokens, {@code ID=BASE64} per line (the at-rest key
   *     format); the same file on every node, as any node must accept a token another issued
   * @param tokenTtlMs how long a token is accepted after it was issued
   */
  public record Auth(boolean enabled, Path tokenKeyFile, long tokenTtlMs) {}

  /**
   * @param unsafeLocalReads DEBUG ONLY: serve LINEARIZABLE reads from whichever replica believes it
   *     leads, without confirming leadership. Exists so the fault-injection suite can prove its
   *     checker catches stale reads; never enable it in production
   */
  public record Debug(boolean unsafeLocalReads) {}

  public String nodeId() {
    return node.id();
  }

  public NodeInfo self() {
    return node.info();
  }
}

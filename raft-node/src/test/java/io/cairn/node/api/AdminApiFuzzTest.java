package io.cairn.node.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.cairn.node.testing.LocalCluster;
import io.cairn.proto.AddNodeRequest;
import io.cairn.proto.AuthGrpc;
import io.cairn.proto.AuthenticateRequest;
import io.cairn.proto.ClusterGrpc;
import io.cairn.proto.DeleteRoleRequest;
import io.cairn.proto.DeleteUserRequest;
import io.cairn.proto.GetReplicaDigestRequest;
import io.cairn.proto.GetRoutingRequest;
import io.cairn.proto.ListAuthRequest;
import io.cairn.proto.MarkShardDigestRequest;
import io.cairn.proto.MoveReplicaRequest;
import io.cairn.proto.NodeInfo;
import io.cairn.proto.Permission;
import io.cairn.proto.PutRoleRequest;
import io.cairn.proto.PutUserRequest;
import io.cairn.proto.RemoveNodeRequest;
import io.cairn.proto.Role;
import io.cairn.proto.SetNodeStateRequest;
import io.cairn.proto.ShardMap;
import io.cairn.proto.TransferLeaderRequest;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Fuzzes the Cluster and Auth services of a real in-process cluster (3 nodes, plaintext, auth off,
 * the rebalancer off so the map stays put unless a call changes it) with jqwik: the admin calls
 * with at least one target or field that is wrong (a node that is not a member, a shard that does
 * not exist, a malformed address, an unknown enum value), the read calls with any fields, the Auth
 * calls with any fields, and any bytes in place of any request. Every answer must be precise (never
 * UNKNOWN or INTERNAL) and say why; no call may change the shard map (its epoch is the same at the
 * end on every node); no user or role may appear (they are managed over TLS only); the nodes stay
 * up and their replicas agree.
 *
 * <p>Bounded like {@link PublicApiFuzzTest} (jqwik.tries.default); longer with {@code
 * -Djqwik.tries.default=N}.
 */
class AdminApiFuzzTest {
  private static final int SHARDS = 2;

  private static final Set<Status.Code> PRECISE =
      EnumSet.of(
          Status.Code.OK,
          Status.Code.INVALID_ARGUMENT,
          Status.Code.NOT_FOUND,
          Status.Code.ALREADY_EXISTS,
          Status.Code.FAILED_PRECONDITION,
          Status.Code.PERMISSION_DENIED,
          Status.Code.ABORTED,
          Status.Code.OUT_OF_RANGE,
          Status.Code.RESOURCE_EXHAUSTED,
          Status.Code.DEADLINE_EXCEEDED,
          Status.Code.UNAVAILABLE);

  private static LocalCluster cluster;
  private static long epochAtStart;

  @BeforeContainer
  static void start() {
    cluster =
        LocalCluster.builder()
            .nodes(3)
            .shards(SHARDS)
            .config("membership.rebalance", "false")
            .start();
    cluster.awaitLeaders();
    epochAtStart = cluster.map().getEpoch();
  }

  @AfterContainer
  static void stop() {
    try {
      for (int i = 1; i <= cluster.size(); i++) {
        assertThat(cluster.isRunning(i)).as("n" + i + " still runs").isTrue();
        assertThat(cluster.halted(i)).as("n" + i + " did not halt").isEmpty();
        ShardMap map = cluster.node(i).directory().map();
        assertThat(map.getEpoch())
            .as("n%d's map epoch: no call changed the map", i)
            .isEqualTo(epochAtStart);
        assertThat(map.getAuth().getUsersCount() + map.getAuth().getRolesCount())
            .as("users and roles on n%d", i)
            .isZero();
      }
      cluster.assertReplicasAgree();
    } finally {
      cluster.close();
    }
  }

  /** One fuzzed call: the node, the service's full method name and the request. */
  record Call(int node, MethodDescriptor<?, ?> method, Message request) {
    @Override
    public String toString() {
      return method.getBareMethodName() + " to n" + node + ": " + request.toString().strip();
    }
  }

  @Property
  void wrongAdminCallsAreRefusedPreciselyAndChangeNothing(@ForAll("adminCalls") Call c) {
    Status status = send(c);
    assertPrecise(status, c);
    assertThat(cluster.map().getEpoch())
        .as("the map after %s (%s)", c, status)
        .isEqualTo(epochAtStart);
  }

  @Property
  void readAndAuthCallsWithAnyFieldsGetAPreciseAnswer(@ForAll("otherCalls") Call c) {
    Status status = send(c);
    assertPrecise(status, c);
    if (c.method().getServiceName().equals(AuthGrpc.SERVICE_NAME)
        && !c.method().equals(AuthGrpc.getListAuthMethod())) {
      // Auth is off and the port plaintext: nothing may log in, and nothing may make a user.
      assertThat(status.getCode()).as("%s: %s", c, status).isNotEqualTo(Status.Code.OK);
    }
  }

  @Property
  void anyBytesInPlaceOfARequestGetAPreciseAnswer(
      @ForAll("bodies") byte[] body,
      @ForAll("methods") MethodDescriptor<?, ?> method,
      @ForAll("nodes") int node) {
    Status status = sendRaw(node, method.getFullMethodName(), body);
    assertPrecise(status, method.getBareMethodName() + " with " + body.length + " bytes");
  }

  private static void assertPrecise(Status status, Object what) {
    assertThat(status.getCode()).as("answer to %s: %s", what, status).isIn(PRECISE);
    if (!status.isOk()) {
      assertThat(status.getDescription()).as("a refusal says why: %s", status).isNotBlank();
    }
  }

  @SuppressWarnings("unchecked")
  private static Status send(Call c) {
    Channel channel = cluster.clusterApi(c.node()).getChannel();
    try {
      ClientCalls.blockingUnaryCall(
          channel,
          (MethodDescriptor<Message, ?>) c.method(),
          CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
          c.request());
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
  }

  private static Status sendRaw(int node, String fullMethod, byte[] body) {
    return RawCalls.call(cluster.clusterApi(node).getChannel(), fullMethod, body);
  }

  // ---- generators --------------------------------------------------------------------------

  /** Node ids that are not members: other nodes, odd characters, empty, overlong. */
  private static Arbitrary<String> strangers() {
    return Arbitraries.oneOf(
        Arbitraries.of("n4", "n9", "", " ", "n1 ", "N1", "n1\u0000", "../n1", "n\u00e9"),
        Arbitraries.strings().ofMaxLength(20).filter(s -> !s.matches("n[123]")),
        Arbitraries.strings().withCharRange('a', 'z').ofLength(300));
  }

  private static Arbitrary<String> members() {
    return Arbitraries.of("n1", "n2", "n3");
  }

  /** Shard ids that do not exist (0 is the meta group, 1..SHARDS the data shards). */
  private static Arbitrary<Integer> missingShards() {
    return Arbitraries.oneOf(
        Arbitraries.integers().between(SHARDS + 1, 1_000),
        Arbitraries.of(-1, Integer.MAX_VALUE, Integer.MIN_VALUE));
  }

  private static Arbitrary<Integer> existingShards() {
    return Arbitraries.integers().between(0, SHARDS);
  }

  /** A node to add that is wrong somewhere: a member's id, a bad id, host or port. */
  private static Arbitrary<NodeInfo> wrongNodes() {
    Arbitrary<NodeInfo> memberId = members().map(id -> node(id, "127.0.0.50", 7000, 7001, 7002));
    Arbitrary<NodeInfo> badId =
        Arbitraries.oneOf(
                Arbitraries.of("", " ", "n1 ", "n1\u0000", "../n1", "n\u00e9"),
                Arbitraries.strings()
                    .ofMaxLength(20)
                    .filter(id -> !id.matches("[A-Za-z0-9_.-]{1,64}")),
                Arbitraries.strings().withCharRange('a', 'z').ofMinLength(65).ofMaxLength(300))
            .map(id -> node(id, "127.0.0.50", 7000, 7001, 7002));
    Arbitrary<NodeInfo> badHost =
        Arbitraries.of("", " ", "host name", "127.0.0.1:7000", "a".repeat(300), "\u0000")
            .map(h -> node("n50", h, 7000, 7001, 7002));
    Arbitrary<NodeInfo> badPort =
        Arbitraries.of(0, 65_536, -1, Integer.MAX_VALUE)
            .map(p -> node("n51", "127.0.0.51", p, 7001, 7002));
    Arbitrary<NodeInfo> badPeerPort =
        Arbitraries.of(0, 65_536, -1, Integer.MAX_VALUE)
            .map(
                p ->
                    node("n52", "127.0.0.52", 7000, 7001, 7002).toBuilder().setPeerPort(p).build());
    return Arbitraries.oneOf(memberId, badId, badHost, badPort, badPeerPort);
  }

  private static NodeInfo node(String id, String host, int raft, int client, int http) {
    return NodeInfo.newBuilder()
        .setId(id)
        .setHost(host)
        .setRaftPort(raft)
        .setClientPort(client)
        .setHttpPort(http)
        .setPeerPort(7003)
        .build();
  }

  private static Call call(int node, MethodDescriptor<?, ?> m, Message request) {
    return new Call(node, m, request);
  }

  @Provide
  Arbitrary<Call> adminCalls() {
    Arbitrary<Integer> n = nodes();
    Arbitrary<Call> transfer =
        Combinators.combine(n, existingShards(), strangers())
            .as(
                (node, shard, who) ->
                    call(
                        node,
                        ClusterGrpc.getTransferLeaderMethod(),
                        TransferLeaderRequest.newBuilder()
                            .setShardId(shard)
                            .setNodeId(who)
                            .build()));
    Arbitrary<Call> transferMissing =
        Combinators.combine(n, missingShards(), members())
            .as(
                (node, shard, who) ->
                    call(
                        node,
                        ClusterGrpc.getTransferLeaderMethod(),
                        TransferLeaderRequest.newBuilder()
                            .setShardId(shard)
                            .setNodeId(who)
                            .build()));
    Arbitrary<Call> state =
        Combinators.combine(n, strangers(), Arbitraries.integers().between(-1, 5))
            .as(
                (node, who, s) ->
                    call(
                        node,
                        ClusterGrpc.getSetNodeStateMethod(),
                        SetNodeStateRequest.newBuilder().setNodeId(who).setStateValue(s).build()));
    Arbitrary<Call> unknownState =
        Combinators.combine(n, members(), Arbitraries.integers().between(3, 1_000))
            .as(
                (node, who, s) ->
                    call(
                        node,
                        ClusterGrpc.getSetNodeStateMethod(),
                        SetNodeStateRequest.newBuilder().setNodeId(who).setStateValue(s).build()));
    Arbitrary<Call> remove =
        Combinators.combine(n, strangers(), Arbitraries.of(true, false))
            .as(
                (node, who, force) ->
                    call(
                        node,
                        ClusterGrpc.getRemoveNodeMethod(),
                        RemoveNodeRequest.newBuilder().setNodeId(who).setForce(force).build()));
    Arbitrary<Call> move =
        Combinators.combine(n, existingShards(), strangers(), members(), Arbitraries.of(0, 1))
            .as(
                (node, shard, stranger, member, strangerIsFrom) ->
                    call(
                        node,
                        ClusterGrpc.getMoveReplicaMethod(),
                        MoveReplicaRequest.newBuilder()
                            .setShardId(shard)
                            .setFrom(strangerIsFrom == 1 ? stranger : member)
                            .setTo(strangerIsFrom == 1 ? member : stranger)
                            .build()));
    Arbitrary<Call> moveMissing =
        Combinators.combine(n, missingShards(), members(), members(), Arbitraries.of(true, false))
            .as(
                (node, shard, from, to, cancel) ->
                    call(
                        node,
                        ClusterGrpc.getMoveReplicaMethod(),
                        MoveReplicaRequest.newBuilder()
                            .setShardId(shard)
                            .setFrom(from)
                            .setTo(to)
                            .setCancel(cancel)
                            .build()));
    Arbitrary<Call> add =
        Combinators.combine(n, wrongNodes(), Arbitraries.of(true, false))
            .as(
                (node, info, lost) ->
                    call(
                        node,
                        ClusterGrpc.getAddNodeMethod(),
                        AddNodeRequest.newBuilder().setNode(info).setLostData(lost).build()));
    Arbitrary<Call> markMissing =
        Combinators.combine(n, missingShards())
            .as(
                (node, shard) ->
                    call(
                        node,
                        ClusterGrpc.getMarkShardDigestMethod(),
                        MarkShardDigestRequest.newBuilder().setShardId(shard).build()));
    return Arbitraries.oneOf(
        transfer,
        transferMissing,
        state,
        unknownState,
        remove,
        move,
        moveMissing,
        add,
        markMissing);
  }

  @Provide
  Arbitrary<Call> otherCalls() {
    Arbitrary<Integer> n = nodes();
    Arbitrary<Integer> anyShard = Arbitraries.oneOf(existingShards(), missingShards());
    Arbitrary<String> text =
        Arbitraries.oneOf(
            Arbitraries.strings().ofMaxLength(80),
            Arbitraries.of("", "root", "admin", "a".repeat(100), "x\u0000y", "\ud800"));
    Arbitrary<Call> digest =
        Combinators.combine(
                n,
                anyShard,
                Arbitraries.longs().between(-1, 1_000_000),
                Arbitraries.integers().between(-1, 50))
            .as(
                (node, shard, index, waitMs) ->
                    call(
                        node,
                        ClusterGrpc.getGetReplicaDigestMethod(),
                        GetReplicaDigestRequest.newBuilder()
                            .setShardId(shard)
                            .setIndex(index)
                            .setWaitMs(waitMs)
                            .build()));
    Arbitrary<Call> mark =
        Combinators.combine(n, existingShards())
            .as(
                (node, shard) ->
                    call(
                        node,
                        ClusterGrpc.getMarkShardDigestMethod(),
                        MarkShardDigestRequest.newBuilder().setShardId(shard).build()));
    Arbitrary<Call> routing =
        n.map(
            node ->
                call(
                    node,
                    ClusterGrpc.getGetRoutingMethod(),
                    GetRoutingRequest.getDefaultInstance()));
    Arbitrary<Call> login =
        Combinators.combine(n, text, text)
            .as(
                (node, user, password) ->
                    call(
                        node,
                        AuthGrpc.getAuthenticateMethod(),
                        AuthenticateRequest.newBuilder()
                            .setUser(user)
                            .setPassword(password)
                            .build()));
    Arbitrary<Call> putUser =
        Combinators.combine(n, text, text, text)
            .as(
                (node, user, password, role) ->
                    call(
                        node,
                        AuthGrpc.getPutUserMethod(),
                        PutUserRequest.newBuilder()
                            .setName(user)
                            .setPassword(password)
                            .addRoles(role)
                            .build()));
    Arbitrary<Call> putRole =
        Combinators.combine(
                n,
                text,
                Arbitraries.bytes().array(byte[].class).ofMaxSize(300),
                Arbitraries.integers().between(-1, 5))
            .as(
                (node, name, prefix, access) ->
                    call(
                        node,
                        AuthGrpc.getPutRoleMethod(),
                        PutRoleRequest.newBuilder()
                            .setRole(
                                Role.newBuilder()
                                    .setName(name)
                                    .addPermissions(
                                        Permission.newBuilder()
                                            .setKeyPrefix(ByteString.copyFrom(prefix))
                                            .setAccessValue(access)))
                            .build()));
    Arbitrary<Call> deletes =
        Combinators.combine(n, text, Arbitraries.of(true, false))
            .as(
                (node, name, user) ->
                    user
                        ? call(
                            node,
                            AuthGrpc.getDeleteUserMethod(),
                            DeleteUserRequest.newBuilder().setName(name).build())
                        : call(
                            node,
                            AuthGrpc.getDeleteRoleMethod(),
                            DeleteRoleRequest.newBuilder().setName(name).build()));
    Arbitrary<Call> list =
        n.map(
            node -> call(node, AuthGrpc.getListAuthMethod(), ListAuthRequest.getDefaultInstance()));
    return Arbitraries.oneOf(digest, mark, routing, login, putUser, putRole, deletes, list);
  }

  @Provide
  Arbitrary<byte[]> bodies() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
  }

  @Provide
  Arbitrary<MethodDescriptor<?, ?>> methods() {
    List<MethodDescriptor<?, ?>> all =
        List.of(
            ClusterGrpc.getGetShardMapMethod(),
            ClusterGrpc.getGetNodeStatusMethod(),
            ClusterGrpc.getGetClusterStatusMethod(),
            ClusterGrpc.getGetRoutingMethod(),
            ClusterGrpc.getMarkShardDigestMethod(),
            ClusterGrpc.getGetReplicaDigestMethod(),
            ClusterGrpc.getTransferLeaderMethod(),
            ClusterGrpc.getAddNodeMethod(),
            ClusterGrpc.getSetNodeStateMethod(),
            ClusterGrpc.getRemoveNodeMethod(),
            ClusterGrpc.getMoveReplicaMethod(),
            AuthGrpc.getAuthenticateMethod(),
            AuthGrpc.getPutUserMethod(),
            AuthGrpc.getDeleteUserMethod(),
            AuthGrpc.getPutRoleMethod(),
            AuthGrpc.getDeleteRoleMethod(),
            AuthGrpc.getListAuthMethod());
    return Arbitraries.of(all);
  }

  @Provide
  Arbitrary<Integer> nodes() {
    return Arbitraries.integers().between(1, 3);
  }
}

package io.cairn.node.api;

import io.cairn.node.routing.ShardDirectory;
import io.cairn.node.runtime.NodeClock;
import io.cairn.node.security.NodeTls;
import io.cairn.node.security.Tokens;
import io.cairn.proto.Access;
import io.cairn.proto.AuthGrpc;
import io.cairn.proto.ClusterGrpc;
import io.cairn.proto.ShardMap;
import io.cairn.statemachine.AccessRules;
import io.cairn.statemachine.Escaping;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who is calling, for every call to the public services (on the client port, and as forwarded on
 * the peer port), and whether they may.
 *
 * <p>With auth on, a call's caller is, in this order: a cluster member (a certificate of the
 * cluster CA: other nodes, and operators holding a node's pair), who may do everything; a user
 * named by the common name of a client certificate; a user named by a valid token ({@code
 * authorization: Bearer <token>}). A call with none of these is refused UNAUTHENTICATED, except
 * Authenticate, which is how a caller gets a token. The admin calls need root (a member, or a user
 * with the role root); a Kv call needs its key granted ({@link #mayAccess}); the rest (the map,
 * status, routing) any caller. With auth off every call may do everything, as before users existed.
 *
 * <p>Roles are looked up at every call in the node's current map, so a change to them applies at
 * once; the index is rebuilt once per map.
 */
public final class Callers implements ServerInterceptor {
  /**
   * Who a call is from: a user (restricted to its roles), a member (named by its certificate), or
   * anyone while auth is off.
   */
  public record Caller(String user, boolean unrestricted, String member) {
    static final Caller ANYONE = new Caller("", true, "");
    static final Caller ANONYMOUS = new Caller("", false, "");

    static Caller member(String commonName) {
      return new Caller("", true, commonName == null ? "?" : commonName);
    }

    String describe() {
      if (!member.isEmpty()) {
        return "member '" + Escaping.printable(member) + "'";
      }
      return unrestricted ? "any caller (auth off)" : "user '" + Escaping.printable(user) + "'";
    }
  }

  private static final Logger AUDIT = LoggerFactory.getLogger("cairn.audit");

  private static final Context.Key<Caller> CALLER = Context.key("cairn-caller");
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String BEARER = "Bearer ";

  /** The Auth service's calls that change or show users: guarded even while auth is off. */
  private static final Set<String> USER_ADMIN =
      Set.of(
          AuthGrpc.getPutUserMethod().getFullMethodName(),
          AuthGrpc.getDeleteUserMethod().getFullMethodName(),
          AuthGrpc.getPutRoleMethod().getFullMethodName(),
          AuthGrpc.getDeleteRoleMethod().getFullMethodName(),
          AuthGrpc.getListAuthMethod().getFullMethodName());

  /** The calls only root may make: membership, verify, and the users' own. */
  private static final Set<String> ROOT_ONLY =
      Stream.concat(
              Stream.of(
                      ClusterGrpc.getTransferLeaderMethod(),
                      ClusterGrpc.getAddNodeMethod(),
                      ClusterGrpc.getSetNodeStateMethod(),
                      ClusterGrpc.getRemoveNodeMethod(),
                      ClusterGrpc.getMoveReplicaMethod(),
                      ClusterGrpc.getMarkShardDigestMethod(),
                      ClusterGrpc.getGetReplicaDigestMethod())
                  .map(m -> m.getFullMethodName()),
              USER_ADMIN.stream())
          .collect(Collectors.toUnmodifiableSet());

  private static final String AUTHENTICATE = AuthGrpc.getAuthenticateMethod().getFullMethodName();

  private final boolean enabled;
  private final ShardDirectory directory;
  private final Optional<NodeTls> tls;
  private final Optional<Tokens> tokens;
  private final NodeClock clock;
  private final AtomicReference<Indexed> rules = new AtomicReference<>();

  private record Indexed(ShardMap map, AccessRules rules) {}

  public Callers(
      boolean enabled,
      ShardDirectory directory,
      Optional<NodeTls> tls,
      Optional<Tokens> tokens,
      NodeClock clock) {
    if (enabled && (tls.isEmpty() || tokens.isEmpty())) {
      throw new IllegalArgumentException("auth needs client TLS and a token key");
    }
    this.enabled = enabled;
    this.directory = directory;
    this.tls = tls;
    this.tokens = tokens;
    this.clock = clock;
  }

  public boolean enabled() {
    return enabled;
  }

  /** The caller of the current call; read it on the calling thread. */
  public static Caller current() {
    Caller c = CALLER.get();
    return c == null ? Caller.ANYONE : c;
  }

  /** The users and roles of this node's current map, indexed. */
  public AccessRules rules() {
    return indexed().rules();
  }

  /** The users and roles of one map, with that map's epoch. */
  record Snapshot(long epoch, AccessRules rules) {}

  Snapshot snapshot() {
    Indexed held = indexed();
    return new Snapshot(held.map().getEpoch(), held.rules());
  }

  private Indexed indexed() {
    ShardMap map = directory.map();
    Indexed held = rules.get();
    if (held == null || held.map() != map) {
      held = new Indexed(map, new AccessRules(map.getAuth()));
      rules.set(held);
    }
    return held;
  }

  /** Whether {@code caller} may read ({@code READ}) or write ({@code READ_WRITE}) {@code key}. */
  public boolean mayAccess(Caller caller, byte[] key, Access need) {
    if (caller.unrestricted()) {
      return true;
    }
    return rules().of(caller.user()).map(g -> g.allows(key, need)).orElse(false);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    if (!enabled) {
      return USER_ADMIN.contains(method)
          ? whileOff(call, headers, next)
          : next.startCall(call, headers);
    }
    Optional<Caller> who;
    try {
      who = identify(call, headers);
    } catch (Refusal r) {
      return refuse(call, r.status);
    }
    if (who.isEmpty()) {
      if (method.equals(AUTHENTICATE)) {
        return withCaller(Caller.ANONYMOUS, call, headers, next);
      }
      return refuse(
          call,
          Status.UNAUTHENTICATED.withDescription(
              "this cluster requires a caller: a token from Auth.Authenticate (cairnctl --user"
                  + " NAME), or a client certificate whose common name is a user's"));
    }
    Caller caller = who.get();
    if (ROOT_ONLY.contains(method) && !isRoot(caller)) {
      AUDIT.warn(
          "{} refused to {}", call.getMethodDescriptor().getBareMethodName(), caller.describe());
      return refuse(
          call,
          Status.PERMISSION_DENIED.withDescription(
              caller.describe()
                  + " may not call "
                  + call.getMethodDescriptor().getBareMethodName()
                  + ": it needs the role root"));
    }
    if (ROOT_ONLY.contains(method)) {
      AUDIT.info(
          "{} called by {}", call.getMethodDescriptor().getBareMethodName(), caller.describe());
    }
    return withCaller(caller, call, headers, next);
  }

  /**
   * Users made while auth is off are the ones that hold once it is on, so even then only members
   * may manage them, and only over TLS (a password must not cross the network in clear): anyone
   * else could plant a root user for later.
   */
  private <Q, R> ServerCall.Listener<Q> whileOff(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String op = call.getMethodDescriptor().getBareMethodName();
    if (tls.isEmpty()) {
      return refuse(
          call,
          Status.FAILED_PRECONDITION.withDescription(
              op + ": users and roles are managed over TLS only; set client-tls.enabled=true"));
    }
    TlsCaller cert = TlsCaller.of(tls.get(), call);
    if (!cert.member()) {
      AUDIT.warn("{} refused to a non-member while auth is off", op);
      return refuse(
          call,
          Status.PERMISSION_DENIED.withDescription(
              op
                  + ": while auth is off, only cluster members (a certificate of the cluster CA)"
                  + " manage users and roles"));
    }
    AUDIT.info(
        "{} called by member '{}'", op, Escaping.printable(String.valueOf(cert.commonName())));
    return next.startCall(call, headers);
  }

  private boolean isRoot(Caller caller) {
    return caller.unrestricted()
        || rules().of(caller.user()).map(AccessRules.Grants::isRoot).orElse(false);
  }

  private Optional<Caller> identify(ServerCall<?, ?> call, Metadata headers) throws Refusal {
    TlsCaller cert = TlsCaller.of(tls.get(), call);
    if (cert.member()) {
      return Optional.of(Caller.member(cert.commonName()));
    }
    Snapshot map = snapshot(); // the rules and the epoch they come from, of one map
    String cn = cert.commonName();
    if (cn != null && map.rules().of(cn).isPresent()) {
      return Optional.of(new Caller(cn, false, ""));
    }
    String authorization = headers.get(AUTHORIZATION);
    if (authorization == null) {
      return Optional.empty();
    }
    if (!authorization.startsWith(BEARER)) {
      throw new Refusal(
          Status.UNAUTHENTICATED, "the authorization header must be 'Bearer <token>'");
    }
    Optional<Tokens.Verified> token = verify(call, authorization.substring(BEARER.length()));
    if (token.isEmpty()) {
      throw new Refusal(
          Status.UNAUTHENTICATED,
          "the token is expired or not valid; get a new one (Auth.Authenticate)");
    }
    String user = token.get().user();
    Optional<String> tag = map.rules().credentialTag(user);
    if (tag.isEmpty() || !tag.get().equals(token.get().credentialTag())) {
      long epoch = map.epoch();
      if (epoch < token.get().mapEpoch()) {
        // Issued by a node that knew the user as the token says: this node's map is behind.
        throw new Refusal(
            Status.UNAVAILABLE,
            "this node (map epoch "
                + epoch
                + ") has not yet seen user '"
                + Escaping.printable(user)
                + "' as of epoch "
                + token.get().mapEpoch()
                + "; retry");
      }
      throw new Refusal(
          Status.UNAUTHENTICATED,
          tag.isEmpty()
              ? "the token's user '" + Escaping.printable(user) + "' no longer exists"
              : "the password of user '"
                  + Escaping.printable(user)
                  + "' changed after this token was issued; log in again");
    }
    return Optional.of(new Caller(user, false, ""));
  }

  /** A token last verified on this TLS session (a client sends the same one until it renews). */
  private record CheckedToken(String token, Tokens.Verified verified) {}

  private static final String TOKEN_KEY = "io.cairn.token";

  /**
   * Verifies {@code token}, or reuses the verification of the same token on this connection while
   * it has not expired: one MAC per token and connection, not per call.
   */
  private Optional<Tokens.Verified> verify(ServerCall<?, ?> call, String token) {
    long now = clock.wallMs();
    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    if (session != null
        && session.getValue(TOKEN_KEY) instanceof CheckedToken checked
        && checked.token().equals(token)
        && checked.verified().expiresAtMs() > now) {
      return Optional.of(checked.verified());
    }
    Optional<Tokens.Verified> verified = tokens.get().verify(token, now);
    if (session != null && verified.isPresent()) {
      session.putValue(TOKEN_KEY, new CheckedToken(token, verified.get()));
    }
    return verified;
  }

  private static <Q, R> ServerCall.Listener<Q> withCaller(
      Caller caller, ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    return Contexts.interceptCall(Context.current().withValue(CALLER, caller), call, headers, next);
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }

  /** A credential that was offered but is not good (or not good here yet). */
  private static final class Refusal extends Exception {
    final Status status;

    Refusal(Status code, String message) {
      super(message, null, false, false);
      this.status = code.withDescription(message);
    }
  }
}

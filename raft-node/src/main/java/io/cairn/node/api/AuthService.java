package io.cairn.node.api;

import io.cairn.node.routing.MapChanges;
import io.cairn.node.routing.ShardDirectory;
import io.cairn.node.runtime.DaemonThreads;
import io.cairn.node.runtime.NodeClock;
import io.cairn.node.security.Passwords;
import io.cairn.node.security.Tokens;
import io.cairn.proto.AuthChange;
import io.cairn.proto.AuthGrpc;
import io.cairn.proto.AuthListing;
import io.cairn.proto.AuthTable;
import io.cairn.proto.AuthenticateRequest;
import io.cairn.proto.AuthenticateResponse;
import io.cairn.proto.DeleteRoleRequest;
import io.cairn.proto.DeleteUserRequest;
import io.cairn.proto.ListAuthRequest;
import io.cairn.proto.PutRoleRequest;
import io.cairn.proto.PutUserRequest;
import io.cairn.proto.User;
import io.cairn.proto.UserListing;
import io.cairn.statemachine.AccessRules;
import io.cairn.statemachine.AuthEdits;
import io.cairn.statemachine.Escaping;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Auth service: tokens for passwords, and the operator's changes to users and roles, which go
 * into the shard map through the meta group like any map change (so every node has them). Which
 * callers may call what is {@link Callers}' job. Password hashing and checking (bcrypt, tens of
 * milliseconds) runs on a small pool of its own, never on a transport thread; when its queue is
 * full, calls are refused with RESOURCE_EXHAUSTED rather than queued without bound.
 *
 * <p>Every change, and every failed authentication, is written to the audit log (logger {@code
 * cairn.audit}), with caller-supplied names escaped.
 */
public final class AuthService extends AuthGrpc.AuthImplBase implements AutoCloseable {
  private static final Logger AUDIT = LoggerFactory.getLogger("cairn.audit");
  private static final int HASHING_THREADS = 2;
  private static final int HASHING_QUEUE = 64;
  private static final long REFRESH_MS_MIN = 1_000;

  private final Callers callers;
  private final Optional<Tokens> tokens;
  private final ShardDirectory directory;
  private final MapChanges changes;
  private final LoginThrottle logins;
  private final NodeClock clock;
  private final AtomicLong lastRefreshNanos = new AtomicLong(Long.MIN_VALUE / 2);
  private final ThreadPoolExecutor hashing =
      new ThreadPoolExecutor(
          HASHING_THREADS,
          HASHING_THREADS,
          0,
          TimeUnit.MILLISECONDS,
          new ArrayBlockingQueue<>(HASHING_QUEUE),
          DaemonThreads.named("password-hashing"));

  public AuthService(
      Callers callers,
      Optional<Tokens> tokens,
      ShardDirectory directory,
      MapChanges changes,
      LoginThrottle logins,
      NodeClock clock) {
    this.callers = callers;
    this.tokens = tokens;
    this.directory = directory;
    this.changes = changes;
    this.logins = logins;
    this.clock = clock;
  }

  @Override
  public void authenticate(AuthenticateRequest req, StreamObserver<AuthenticateResponse> out) {
    if (!callers.enabled() || tokens.isEmpty()) {
      out.onError(
          Status.FAILED_PRECONDITION
              .withDescription("auth is off on this node (auth.enabled=false): calls need no token")
              .asRuntimeException());
      return;
    }
    java.net.InetAddress from = LoginThrottle.currentAddress();
    LoginThrottle.Permit permit;
    try {
      permit = logins.admit(from); // audits its refusals itself, rate-limited
    } catch (StatusRuntimeException refused) {
      out.onError(refused);
      return;
    }
    CompletableFuture<Known> lookup;
    try {
      lookup = knownUser(req.getUser());
    } catch (RuntimeException e) {
      permit.release(false);
      out.onError(failure(e, "authenticate"));
      return;
    }
    lookup
        .thenCompose(
            known ->
                offload(
                    () ->
                        Passwords.matches(
                                known.user().map(User::getPasswordHash).orElse(null),
                                req.getPassword())
                            ? known
                            : null))
        .whenComplete(
            (known, e) -> {
              permit.release(e == null && known == null);
              if (e != null) {
                out.onError(failure(e, "authenticate"));
              } else if (known == null) {
                AUDIT.warn(
                    "authentication failed for user '{}' from {}",
                    Escaping.printable(req.getUser()),
                    from == null ? "?" : from.getHostAddress());
                out.onError(
                    Status.UNAUTHENTICATED
                        .withDescription("authenticate: wrong user name or password")
                        .asRuntimeException());
              } else {
                // The tag and epoch of the very user record the password was checked against: a
                // password changed meanwhile must not lend its new tag to a check of the old one.
                String tag = AccessRules.credentialTagOf(known.user().get().getPasswordHash());
                Tokens.Issued t =
                    tokens.get().issue(req.getUser(), tag, known.epoch(), clock.wallMs());
                out.onNext(
                    AuthenticateResponse.newBuilder()
                        .setToken(t.token())
                        .setExpiresAtMs(t.expiresAtMs())
                        .build());
                out.onCompleted();
              }
            });
  }

  /** A user as one map holds it (empty: no such user there), with that map's epoch. */
  private record Known(Optional<User> user, long epoch) {}

  /**
   * The stored user; when this node's map does not have it, the map is read again from the meta
   * group first (at most once per {@link #REFRESH_MS_MIN}, as each read is a log entry), so a user
   * just created can log in at once at a node that has not polled the new map yet.
   */
  private CompletableFuture<Known> knownUser(String name) {
    Callers.Snapshot local = callers.snapshot();
    Known known = new Known(local.rules().user(name), local.epoch());
    long now = clock.nanoTime();
    long last = lastRefreshNanos.get();
    if (known.user().isPresent()
        || now - last < TimeUnit.MILLISECONDS.toNanos(REFRESH_MS_MIN)
        || !lastRefreshNanos.compareAndSet(last, now)) {
      return CompletableFuture.completedFuture(known);
    }
    return changes
        .current()
        .handle(
            (map, e) -> {
              Callers.Snapshot after = callers.snapshot();
              return new Known(after.rules().user(name), after.epoch());
            });
  }

  @Override
  public void putUser(PutUserRequest req, StreamObserver<AuthChange> out) {
    String who = Callers.current().describe();
    CompletableFuture<String> hash =
        req.getPassword().isEmpty()
            ? CompletableFuture.completedFuture("")
            : offload(() -> Passwords.hash(req.getPassword()));
    change(
        out,
        "user put",
        "user '"
            + Escaping.printable(req.getName())
            + "' put with roles "
            + req.getRolesList()
            + (req.getPassword().isEmpty() ? "" : " and a new password"),
        who,
        hash.thenApply(
            h ->
                t ->
                    AuthEdits.putUser(
                        t,
                        User.newBuilder()
                            .setName(req.getName())
                            .setPasswordHash(h)
                            .addAllRoles(req.getRolesList())
                            .build())));
  }

  @Override
  public void deleteUser(DeleteUserRequest req, StreamObserver<AuthChange> out) {
    change(
        out,
        "user delete",
        "user '" + Escaping.printable(req.getName()) + "' deleted",
        Callers.current().describe(),
        CompletableFuture.completedFuture(t -> AuthEdits.deleteUser(t, req.getName())));
  }

  @Override
  public void putRole(PutRoleRequest req, StreamObserver<AuthChange> out) {
    change(
        out,
        "role put",
        "role '"
            + Escaping.printable(req.getRole().getName())
            + "' put with "
            + req.getRole().getPermissionsCount()
            + " permissions",
        Callers.current().describe(),
        CompletableFuture.completedFuture(t -> AuthEdits.putRole(t, req.getRole())));
  }

  @Override
  public void deleteRole(DeleteRoleRequest req, StreamObserver<AuthChange> out) {
    change(
        out,
        "role delete",
        "role '" + Escaping.printable(req.getName()) + "' deleted",
        Callers.current().describe(),
        CompletableFuture.completedFuture(t -> AuthEdits.deleteRole(t, req.getName())));
  }

  /** Read through the meta group's log, so it shows every change that completed before it. */
  @Override
  public void listAuth(ListAuthRequest req, StreamObserver<AuthListing> out) {
    changes
        .current()
        .whenComplete(
            (map, e) -> {
              if (e != null) {
                out.onError(failure(e, "auth list"));
                return;
              }
              AuthTable t = map.getAuth();
              AuthListing.Builder b =
                  AuthListing.newBuilder()
                      .addAllRoles(t.getRolesList())
                      .setEnforced(callers.enabled());
              for (User u : t.getUsersList()) {
                b.addUsers(
                    UserListing.newBuilder().setName(u.getName()).addAllRoles(u.getRolesList()));
              }
              out.onNext(b.build());
              out.onCompleted();
            });
  }

  private void change(
      StreamObserver<AuthChange> out,
      String op,
      String what,
      String who,
      CompletableFuture<UnaryOperator<AuthTable>> edit) {
    Context call = Context.current();
    edit.thenCompose(
            e ->
                changes.change(
                    op,
                    map -> map.toBuilder().setAuth(e.apply(map.getAuth())).build(),
                    () -> !call.isCancelled()))
        .whenComplete(
            (map, e) -> {
              if (e != null) {
                out.onError(failure(e, op));
                return;
              }
              AUDIT.info("{} by {} (map epoch {})", what, who, map.getEpoch());
              out.onNext(AuthChange.newBuilder().setMapEpoch(map.getEpoch()).build());
              out.onCompleted();
            });
  }

  private <T> CompletableFuture<T> offload(java.util.function.Supplier<T> work) {
    try {
      return CompletableFuture.supplyAsync(work, hashing);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(
          Status.RESOURCE_EXHAUSTED
              .withDescription("too many password checks in flight on this node; retry shortly")
              .asRuntimeException());
    }
  }

  private static StatusRuntimeException failure(Throwable e, String op) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof StatusRuntimeException sre) {
      return sre;
    }
    if (cause instanceof IllegalArgumentException) {
      return Status.INVALID_ARGUMENT
          .withDescription(op + ": " + cause.getMessage())
          .asRuntimeException();
    }
    if (cause instanceof IllegalStateException) {
      return Status.FAILED_PRECONDITION
          .withDescription(op + ": " + cause.getMessage())
          .asRuntimeException();
    }
    return StatusMapping.fromFailure(cause, op, 0, null, 0, false);
  }

  @Override
  public void close() {
    hashing.shutdownNow();
  }
}

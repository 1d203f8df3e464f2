package io.cairn.node.api;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.cairn.proto.AuthGrpc;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;

/**
 * Password guessing, limited per network address: a login is refused (RESOURCE_EXHAUSTED, with when
 * to retry) when its address already has {@link #IN_FLIGHT_MAX} password checks running or queued,
 * or has used up its failed logins: {@link #FAILURES_BURST} at once, then one per {@link
 * #FAILURE_REFILL} (a token bucket, per node).
 *
 * <p>Why: a password check is a deliberately slow bcrypt, run by a small pool with a short queue.
 * Without a limit, one host guessing as fast as it can fills the queue, and real logins are refused
 * while it guesses about 40 passwords a second per node. With it, one address gets a few checks at
 * a time and a guess every two seconds once its burst is spent; successful logins cost nothing, so
 * an application host that starts many clients at once is not slowed. Many addresses can still fill
 * the queue (docs/security.md says so); tokens in hand keep working whatever happens here.
 *
 * <p>Addresses are remembered for ten minutes after their last login, at most {@link
 * #ADDRESSES_MAX} of them.
 */
public final class LoginThrottle implements ServerInterceptor {
  static final int IN_FLIGHT_MAX = 16;
  static final int FAILURES_BURST = 10;
  static final Duration FAILURE_REFILL = Duration.ofSeconds(2);
  static final long ADDRESSES_MAX = 100_000;
  private static final Duration REMEMBERED = Duration.ofMinutes(10);

  private static final Context.Key<InetAddress> ADDRESS = Context.key("cairn-login-address");
  private static final String AUTHENTICATE = AuthGrpc.getAuthenticateMethod().getFullMethodName();

  private final Ticker ticker;
  private final Cache<InetAddress, Budget> budgets;

  LoginThrottle(Ticker ticker) {
    this.ticker = ticker;
    this.budgets =
        Caffeine.newBuilder()
            .expireAfterAccess(REMEMBERED)
            .maximumSize(ADDRESSES_MAX)
            .ticker(ticker)
            .build();
  }

  public static LoginThrottle create() {
    return new LoginThrottle(Ticker.systemTicker());
  }

  /** One address's logins: those in flight, and its bucket of allowed failures. */
  private static final class Budget {
    private int inFlight;
    private double failuresLeft = FAILURES_BURST;
    private long refilledAtNanos;

    Budget(long nowNanos) {
      this.refilledAtNanos = nowNanos;
    }

    private void refill(long nowNanos) {
      double earned = (nowNanos - refilledAtNanos) / (double) FAILURE_REFILL.toNanos();
      failuresLeft = Math.min(FAILURES_BURST, failuresLeft + earned);
      refilledAtNanos = nowNanos;
    }
  }

  /** A login admitted: say how it ended, once. */
  public interface Permit {
    void release(boolean failed);
  }

  /**
   * Admits a password check from {@code address} (null: unknown, e.g. in-process, admitted
   * unthrottled).
   *
   * @throws StatusRuntimeException RESOURCE_EXHAUSTED when the address is over its budget
   */
  Permit admit(InetAddress address) {
    if (address == null) {
      return failed -> {};
    }
    long now = ticker.read();
    Budget b = budgets.get(address, a -> new Budget(now));
    synchronized (b) {
      b.refill(now);
      if (b.failuresLeft < 1) {
        long waitMs = (long) Math.ceil((1 - b.failuresLeft) * FAILURE_REFILL.toMillis());
        throw refusal(
            "too many failed logins from "
                + address.getHostAddress()
                + "; retry in "
                + waitMs
                + " ms");
      }
      if (b.inFlight >= IN_FLIGHT_MAX) {
        throw refusal(
            IN_FLIGHT_MAX
                + " logins from "
                + address.getHostAddress()
                + " are already being checked; retry when one has finished");
      }
      b.inFlight++;
    }
    return new Permit() {
      private boolean released;

      @Override
      public void release(boolean failed) {
        synchronized (b) {
          if (released) {
            return;
          }
          released = true;
          b.inFlight--;
          if (failed) {
            b.refill(ticker.read());
            b.failuresLeft = Math.max(0, b.failuresLeft - 1);
          }
        }
        // An address whose entry was evicted meanwhile starts afresh; that only loosens the limit
        // for an address not seen for ten minutes, or among more than ADDRESSES_MAX.
      }
    };
  }

  /** The network address of the current Authenticate call, or null. */
  static InetAddress currentAddress() {
    return ADDRESS.get();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (!call.getMethodDescriptor().getFullMethodName().equals(AUTHENTICATE)) {
      return next.startCall(call, headers);
    }
    SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    InetAddress address = remote instanceof InetSocketAddress inet ? inet.getAddress() : null;
    return Contexts.interceptCall(
        Context.current().withValue(ADDRESS, address), call, headers, next);
  }

  private static StatusRuntimeException refusal(String why) {
    return Status.RESOURCE_EXHAUSTED.withDescription("authenticate: " + why).asRuntimeException();
  }
}

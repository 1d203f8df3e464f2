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
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Password guessing, limited per network address, with a token bucket per node: an address holds
 * {@link #BURST} tokens, earns one back every {@link #REFILL}, and every login takes one while its
 * password is checked; a login that succeeds gives its token back, one that fails keeps it spent.
 * An address without a token is refused RESOURCE_EXHAUSTED, with when to retry, before any password
 * is checked. So an address has at most {@link #BURST} checks in flight, and guesses, sent one
 * after another or all at once, come down to one every {@link #REFILL}.
 *
 * <p>Why: a password check is a deliberately slow bcrypt, run by a small pool with a short queue.
 * Without a limit, one host guessing as fast as it can fills the queue, and real logins are refused
 * while it guesses about 40 passwords a second per node. Successful logins cost an address nothing
 * but their time in flight; an application host that starts more than {@link #BURST} clients at
 * once sees some logins refused, which the Java client retries. IPv6 callers are counted per /64,
 * the block one host is usually given. Many addresses can still fill the queue (docs/security.md
 * says so); tokens in hand keep working whatever happens here.
 *
 * <p>Refusals are audited at most once per {@link #REFUSAL_LOG_INTERVAL} per address, with how many
 * there were: refusing costs the node nothing, and a line per refusal would let one address fill
 * the disk. Addresses are remembered for ten minutes after their last login, at most {@link
 * #ADDRESSES_MAX} of them.
 */
public final class LoginThrottle implements ServerInterceptor {
  static final int BURST = 10;
  static final Duration REFILL = Duration.ofSeconds(2);
  static final Duration REFUSAL_LOG_INTERVAL = Duration.ofSeconds(10);
  static final long ADDRESSES_MAX = 100_000;
  private static final Duration REMEMBERED = Duration.ofMinutes(10);
  private static final Logger AUDIT = LoggerFactory.getLogger("cairn.audit");

  private static final Context.Key<InetAddress> ADDRESS = Context.key("cairn-login-address");
  private static final String AUTHENTICATE = AuthGrpc.getAuthenticateMethod().getFullMethodName();

  private final Ticker ticker;
  private final Cache<InetAddress, Bucket> buckets;

  LoginThrottle(Ticker ticker) {
    this.ticker = ticker;
    this.buckets =
        Caffeine.newBuilder()
            .expireAfterAccess(REMEMBERED)
            .maximumSize(ADDRESSES_MAX)
            .ticker(ticker)
            .build();
  }

  public static LoginThrottle create() {
    return new LoginThrottle(Ticker.systemTicker());
  }

  /** One address's tokens, and its refusals not yet logged. */
  private static final class Bucket {
    private double tokens = BURST;
    private long refilledAtNanos;
    private long unloggedRefusals;
    private long refusalLoggedAtNanos = Long.MIN_VALUE / 2;

    Bucket(long nowNanos) {
      this.refilledAtNanos = nowNanos;
    }

    void refill(long nowNanos) {
      double earned = (nowNanos - refilledAtNanos) / (double) REFILL.toNanos();
      tokens = Math.min(BURST, tokens + earned);
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
   * @throws StatusRuntimeException RESOURCE_EXHAUSTED when the address has no token left
   */
  Permit admit(InetAddress address) {
    if (address == null) {
      return failed -> {};
    }
    InetAddress key = keyOf(address);
    long now = ticker.read();
    Bucket b = buckets.get(key, a -> new Bucket(now));
    long refusalsToLog = 0;
    long waitMs;
    synchronized (b) {
      b.refill(now);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return permit(b);
      }
      waitMs = (long) Math.ceil((1 - b.tokens) * REFILL.toMillis());
      b.unloggedRefusals++;
      if (now - b.refusalLoggedAtNanos >= REFUSAL_LOG_INTERVAL.toNanos()) {
        refusalsToLog = b.unloggedRefusals;
        b.unloggedRefusals = 0;
        b.refusalLoggedAtNanos = now;
      }
    }
    String why =
        "too many logins from "
            + describe(key)
            + " are failing or in flight; retry in "
            + waitMs
            + " ms";
    if (refusalsToLog > 0) {
      AUDIT.warn("logins refused: {} ({} since the last such line)", why, refusalsToLog);
    }
    throw Status.RESOURCE_EXHAUSTED.withDescription("authenticate: " + why).asRuntimeException();
  }

  private Permit permit(Bucket b) {
    return new Permit() {
      private boolean released;

      @Override
      public void release(boolean failed) {
        synchronized (b) {
          if (released) {
            return;
          }
          released = true;
          if (!failed) {
            b.refill(ticker.read());
            b.tokens = Math.min(BURST, b.tokens + 1);
          }
        }
        // An address whose entry was evicted meanwhile starts afresh; that only loosens the limit
        // for an address not seen for ten minutes, or among more than ADDRESSES_MAX.
      }
    };
  }

  /** The bucket an address counts against: itself, or for IPv6 its /64. */
  static InetAddress keyOf(InetAddress address) {
    if (!(address instanceof Inet6Address)) {
      return address;
    }
    byte[] bytes = address.getAddress();
    try {
      if (isIpv4Mapped(bytes)) {
        // ::ffff:a.b.c.d is an IPv4 caller on a dual-stack socket: its own address, not a /64
        // that every IPv4 caller would share.
        return InetAddress.getByAddress(Arrays.copyOfRange(bytes, 12, 16));
      }
      Arrays.fill(bytes, 8, 16, (byte) 0);
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("4 or 16 bytes are an IP address", e);
    }
  }

  private static boolean isIpv4Mapped(byte[] b) {
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
  }

  private static String describe(InetAddress key) {
    return key instanceof Inet6Address ? key.getHostAddress() + "/64" : key.getHostAddress();
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
}

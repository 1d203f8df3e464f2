package io.cairn.node.api;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import com.google.protobuf.ByteString;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many client sessions each caller may start on this node: a write whose client id the caller
 * has not used within {@link #WINDOW} is admitted only while the caller holds fewer than the limit.
 *
 * <p>Why: every shard remembers at most 50,000 client sessions and forgets the least recently
 * active first, and a forgotten session loses exactly-once for its retried writes. A caller that
 * mints a fresh client id per write could push every other client's session out. A client uses one
 * id per process, so a limit per caller far above that costs honest clients nothing.
 *
 * <p>Per node, not cluster-wide: a caller spreading its writes over N nodes gets N times the limit,
 * still bounded. Ids are remembered for {@link #WINDOW} after their last write (the shards forget
 * an idle session after an hour too), and at most {@link #IDS_MAX} in all.
 */
public final class SessionQuota {
  static final Duration WINDOW = Duration.ofHours(1);
  static final long IDS_MAX = 200_000;

  private record CallerId(String caller, ByteString clientId) {}

  private final int perCallerMax;
  // One counter per caller, kept: callers are users and members, a bounded set.
  private final ConcurrentHashMap<String, AtomicInteger> counts = new ConcurrentHashMap<>();
  private final Cache<CallerId, Boolean> seen;

  SessionQuota(int perCallerMax, Ticker ticker) {
    this.perCallerMax = perCallerMax;
    this.seen =
        Caffeine.newBuilder()
            .expireAfterAccess(WINDOW)
            .maximumSize(IDS_MAX)
            .ticker(ticker)
            .executor(Runnable::run) // removals counted at once, so counts stay exact
            .<CallerId, Boolean>removalListener(
                (k, v, cause) -> {
                  if (k != null) {
                    counts.get(k.caller()).decrementAndGet();
                  }
                })
            .build();
  }

  public static SessionQuota of(int perCallerMax) {
    return new SessionQuota(perCallerMax, Ticker.systemTicker());
  }

  /** Whether {@code caller} may write under {@code clientId}; records it if so. */
  boolean admit(String caller, ByteString clientId) {
    CallerId key = new CallerId(caller, clientId);
    if (seen.getIfPresent(key) != null) {
      return true;
    }
    AtomicInteger n = counts.computeIfAbsent(caller, c -> new AtomicInteger());
    while (true) {
      int held = n.get();
      if (held >= perCallerMax) {
        return false;
      }
      if (n.compareAndSet(held, held + 1)) {
        break;
      }
    }
    if (seen.asMap().putIfAbsent(key, Boolean.TRUE) != null) {
      n.decrementAndGet(); // another write of the same new id got there first
    }
    return true;
  }

  int perCallerMax() {
    return perCallerMax;
  }

  void cleanUp() {
    seen.cleanUp();
  }
}

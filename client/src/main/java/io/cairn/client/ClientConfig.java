package io.cairn.client;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;

/**
 * Everything a {@link CairnClient} is configured with; immutable and validated when built. Build
 * with {@link #builder()}; the defaults are the {@code DEFAULT_*} constants.
 *
 * <p>Time and randomness are injectable for tests: {@code nanoTime} drives the operation deadlines
 * and the routing refresh rate limit, {@code random} the retry jitter, the replica choice of
 * non-linearizable reads and the client id.
 */
public final class ClientConfig {
  public static final long DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
  public static final long DEFAULT_ATTEMPT_TIMEOUT_MS_MAX = 3_000;
  public static final long DEFAULT_RETRY_BACKOFF_MS_MIN = 20;
  public static final long DEFAULT_RETRY_BACKOFF_MS_MAX = 1_000;
  public static final int DEFAULT_MAX_INBOUND_MESSAGE_BYTES = 8 * 1024 * 1024;
  public static final long DEFAULT_ROUTING_REFRESH_MS_MIN = 100;
  public static final long DEFAULT_LEADER_STALL_MS = 300;

  private final List<Endpoint> endpoints;
  private final long requestTimeoutMs;
  private final long attemptTimeoutMsMax;
  private final long retryBackoffMsMin;
  private final long retryBackoffMsMax;
  private final int maxInboundMessageBytes;
  private final long routingRefreshMsMin;
  private final long leaderStallMs;
  private final LongSupplier nanoTime;
  private final Random random;
  private final ChannelFactory channelFactory;
  private final ScheduledExecutorService scheduler;

  private ClientConfig(Builder b) {
    this.endpoints = List.copyOf(new LinkedHashSet<>(b.endpoints));
    this.requestTimeoutMs = b.requestTimeoutMs;
    this.attemptTimeoutMsMax = b.attemptTimeoutMsMax;
    this.retryBackoffMsMin = b.retryBackoffMsMin;
    this.retryBackoffMsMax = b.retryBackoffMsMax;
    this.maxInboundMessageBytes = b.maxInboundMessageBytes;
    this.routingRefreshMsMin = b.routingRefreshMsMin;
    this.leaderStallMs = b.leaderStallMs;
    this.nanoTime = b.nanoTime;
    this.random = b.random != null ? b.random : new SecureRandom();
    this.channelFactory = b.channelFactory;
    this.scheduler = b.scheduler;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The seed endpoints: where the client first asks for the routing, and its fallback. */
  public List<Endpoint> endpoints() {
    return endpoints;
  }

  /** The overall deadline of one operation, across all its attempts. */
  public long requestTimeoutMs() {
    return requestTimeoutMs;
  }

  /**
   * The longest a single attempt may wait before the client tries again (bounded by what is left).
   */
  public long attemptTimeoutMsMax() {
    return attemptTimeoutMsMax;
  }

  public long retryBackoffMsMin() {
    return retryBackoffMsMin;
  }

  public long retryBackoffMsMax() {
    return retryBackoffMsMax;
  }

  public int maxInboundMessageBytes() {
    return maxInboundMessageBytes;
  }

  /** Routing refreshes triggered by failures and hints are at least this far apart. */
  public long routingRefreshMsMin() {
    return routingRefreshMsMin;
  }

  /** See {@link Builder#leaderStallMs}; 0 when off. */
  public long leaderStallMs() {
    return leaderStallMs;
  }

  public LongSupplier nanoTime() {
    return nanoTime;
  }

  public Random random() {
    return random;
  }

  public ChannelFactory channelFactory() {
    return channelFactory;
  }

  /** The executor retries are scheduled on; empty means the client runs (and closes) its own. */
  public Optional<ScheduledExecutorService> scheduler() {
    return Optional.ofNullable(scheduler);
  }

  @Override
  public String toString() {
    return "ClientConfig{endpoints="
        + endpoints
        + ", requestTimeoutMs="
        + requestTimeoutMs
        + ", attemptTimeoutMsMax="
        + attemptTimeoutMsMax
        + ", retryBackoffMsMin="
        + retryBackoffMsMin
        + ", retryBackoffMsMax="
        + retryBackoffMsMax
        + ", maxInboundMessageBytes="
        + maxInboundMessageBytes
        + ", routingRefreshMsMin="
        + routingRefreshMsMin
        + ", leaderStallMs="
        + leaderStallMs
        + "}";
  }

  /** Collects settings; {@link #build()} validates them all at once. */
  public static final class Builder {
    private final List<Endpoint> endpoints = new ArrayList<>();
    private long requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS;
    private long attemptTimeoutMsMax = DEFAULT_ATTEMPT_TIMEOUT_MS_MAX;
    private long retryBackoffMsMin = DEFAULT_RETRY_BACKOFF_MS_MIN;
    private long retryBackoffMsMax = DEFAULT_RETRY_BACKOFF_MS_MAX;
    private int maxInboundMessageBytes = DEFAULT_MAX_INBOUND_MESSAGE_BYTES;
    private long routingRefreshMsMin = DEFAULT_ROUTING_REFRESH_MS_MIN;
    private long leaderStallMs = DEFAULT_LEADER_STALL_MS;
    private LongSupplier nanoTime = System::nanoTime;
    private Random random;
    private ChannelFactory channelFactory = ChannelFactory.plaintext();
    private ScheduledExecutorService scheduler;

    private Builder() {}

    /** Replaces the endpoints with {@code host:port} strings. */
    public Builder endpoints(List<String> hostPorts) {
      endpoints.clear();
      for (String s : hostPorts) {
        endpoints.add(Endpoint.parse(s));
      }
      return this;
    }

    public Builder endpoints(String... hostPorts) {
      return endpoints(Arrays.asList(hostPorts));
    }

    public Builder requestTimeoutMs(long ms) {
      this.requestTimeoutMs = ms;
      return this;
    }

    public Builder attemptTimeoutMsMax(long ms) {
      this.attemptTimeoutMsMax = ms;
      return this;
    }

    public Builder retryBackoffMs(long min, long max) {
      this.retryBackoffMsMin = min;
      this.retryBackoffMsMax = max;
      return this;
    }

    public Builder maxInboundMessageBytes(int bytes) {
      this.maxInboundMessageBytes = bytes;
      return this;
    }

    public Builder routingRefreshMsMin(long ms) {
      this.routingRefreshMsMin = ms;
      return this;
    }

    /**
     * How long a write or LINEARIZABLE read may wait for a shard's leader before the client asks
     * the other nodes whether the shard has a new leader, and sends the same request there too (0:
     * never). A leader that is paused (SIGSTOP, a long GC, a frozen VM) neither answers nor closes
     * the connection, so without this the request waits for its attempt timeout.
     */
    public Builder leaderStallMs(long ms) {
      this.leaderStallMs = ms;
      return this;
    }

    public Builder nanoTime(LongSupplier nanoTime) {
      this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
      return this;
    }

    public Builder random(Random random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    public Builder channelFactory(ChannelFactory factory) {
      this.channelFactory = Objects.requireNonNull(factory, "channelFactory");
      return this;
    }

    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    public ClientConfig build() {
      List<String> problems = new ArrayList<>();
      if (endpoints.isEmpty()) {
        problems.add("endpoints is empty; give at least one host:port of a Cairn node");
      }
      if (requestTimeoutMs < 1) {
        problems.add("requestTimeoutMs is " + requestTimeoutMs + "; it must be at least 1");
      }
      if (attemptTimeoutMsMax < 1) {
        problems.add("attemptTimeoutMsMax is " + attemptTimeoutMsMax + "; it must be at least 1");
      }
      if (retryBackoffMsMin < 1 || retryBackoffMsMax < retryBackoffMsMin) {
        problems.add(
            "retry backoff is "
                + retryBackoffMsMin
                + ".."
                + retryBackoffMsMax
                + " ms; it needs 1 <= retryBackoffMsMin <= retryBackoffMsMax");
      }
      if (maxInboundMessageBytes < 64 * 1024) {
        problems.add(
            "maxInboundMessageBytes is " + maxInboundMessageBytes + "; it must be at least 65536");
      }
      if (routingRefreshMsMin < 0) {
        problems.add("routingRefreshMsMin is " + routingRefreshMsMin + "; it must not be negative");
      }
      if (leaderStallMs < 0) {
        problems.add(
            "leaderStallMs is " + leaderStallMs + "; it must be 0 (off) or a number of ms");
      }
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException("invalid client config: " + String.join("; ", problems));
      }
      return new ClientConfig(this);
    }
  }
}

package io.cairn.node.replica.link;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.Timekeeper;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * The leader's time from sending entries over a link to the follower's answer, per follower, in
 * Ratis's metric registries as its gRPC appender keeps them ({@code <peer>_latency}, application
 * {@code ratis_link}, component {@code log_appender}), so the node's stage meters read either.
 */
final class LinkAppendTimers {
  static final String APPLICATION = "ratis_link";
  static final String COMPONENT = "log_appender";

  private record Key(RaftPeerId leader, RaftGroupId group, RaftPeerId follower) {}

  private final Map<Key, Timekeeper> timers = new ConcurrentHashMap<>();

  Timekeeper of(RaftPeerId leader, RaftGroupId group, RaftPeerId follower) {
    return timers.computeIfAbsent(
        new Key(leader, group, follower),
        k ->
            MetricRegistries.global()
                .create(
                    new MetricRegistryInfo(
                        RaftGroupMemberId.valueOf(k.leader(), k.group()).toString(),
                        APPLICATION,
                        COMPONENT,
                        "Appends sent over Raft links"))
                .timer(k.follower() + "_latency"));
  }
}

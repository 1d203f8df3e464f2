package io.cairn.node.routing;

import io.cairn.node.replica.RaftHost;
import java.util.Optional;
import org.apache.ratis.protocol.RaftGroupId;

/**
 * Who leads a shard, as far as this node knows: its own replica's view when it hosts one, else
 * what forwarding to the shard taught it. A hint, never a promise: it goes to clients (the
 * {@code cairn-leader} header) and picks the node a request is forwarded to.
 */
public final class LeaderHints {
  private final RaftHost host;
  private final GroupClients forwarders;

  public LeaderHints(RaftHost host, GroupClients forwarders) {
    this.host = host;
    this.forwarders = forwarders;
  }

  public Optional<String> leaderOf(RaftGroupId gid) {
    Optional<String> local = host.leaderOf(gid);
    return local.isPresent() ? local : forwarders.knownLeader(gid);
  }
}

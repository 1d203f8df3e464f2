package io.cairn.node.replica;

import org.apache.ratis.protocol.RaftGroupId;

/**
 * This node leads the group, but Ratis's leader state refuses every configuration change for the
 * rest of the term. Ratis 3.3.0 gets there when a change fails inside it half-way: it keeps a log
 * appender for a peer that is no longer a member (so adding that peer again fails with "Found
 * duplicated element"), and it keeps the failed request pending (so every later change fails with a
 * bare {@link IllegalStateException}). Only a new term builds a fresh leader state: the leader must
 * step down ({@link RaftHost#stepDown}).
 */
public final class WedgedLeaderException extends RuntimeException {
  public WedgedLeaderException(RaftGroupId gid, RuntimeException cause) {
    super(
        "Ratis refused a configuration change of group "
            + gid
            + " with an internal error ("
            + cause
            + "); its leader cannot change the configuration again until it steps down",
        cause);
  }
}

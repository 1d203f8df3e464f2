package io.cairn.cli;

import io.cairn.proto.ClusterStatus;
import io.cairn.proto.NodeStatus;
import io.cairn.proto.ReplicaStatus;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code --wait} prints while replicas move: one line per move in progress, with how far the
 * new replica has caught up (its applied index against the highest commit index any replica of the
 * shard reports). Pure.
 */
final class MoveProgress {
  private MoveProgress() {}

  static List<ShardInfo> moving(ShardMap map) {
    List<ShardInfo> out = new ArrayList<>();
    for (ShardInfo s : map.getShardsList()) {
      if (isMoving(s)) {
        out.add(s);
      }
    }
    if (isMoving(map.getMeta())) {
      out.add(map.getMeta());
    }
    return out;
  }

  static boolean isMoving(ShardInfo s) {
    return s.hasMove() && (!s.getMove().getFrom().isEmpty() || !s.getMove().getTo().isEmpty());
  }

  static List<String> lines(ShardMap map, ClusterStatus status) {
    List<String> lines = new ArrayList<>();
    for (ShardInfo s : moving(map)) {
      String what = s.getShardId() == 0 ? "meta group" : "shard " + s.getShardId();
      String from = s.getMove().getFrom().isEmpty() ? "(new)" : s.getMove().getFrom();
      String to = s.getMove().getTo();
      String head = what + ": " + from + " -> " + (to.isEmpty() ? "(removed)" : to) + ": ";
      if (to.isEmpty()) {
        lines.add(head + "removing the replica");
        continue;
      }
      long commit = 0;
      ReplicaStatus target = null;
      for (NodeStatus n : status.getNodesList()) {
        for (ReplicaStatus r : n.getReplicasList()) {
          if (r.getShardId() == s.getShardId() && r.getIsMeta() == (s.getShardId() == 0)) {
            commit = Math.max(commit, r.getCommitIndex());
            if (n.getNodeId().equals(to)) {
              target = r;
            }
          }
        }
      }
      if (target == null) {
        lines.add(head + "waiting for " + to + " to create its replica");
      } else {
        long behind = Math.max(0, commit - target.getAppliedIndex());
        lines.add(
            head
                + to
                + " has applied "
                + target.getAppliedIndex()
                + " of "
                + commit
                + " entries ("
                + behind
                + " behind)");
      }
    }
    return lines;
  }
}

package io.cairn.cli;

import io.cairn.client.BlockingCairnClient;
import io.cairn.proto.ClusterStatus;
import io.cairn.proto.NodeStatus;
import io.cairn.proto.ReplicaStatus;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Prints every node's replicas with role, leader, term and indexes, "
    + "and the nodes that did not answer.")
final class StatusCommand implements Callable<Integer> {
  @ParentCommand
  CairnCtl ctl;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    try (BlockingCairnClient client = ctl.openBlockingClient(spec)) {
      spec.commandLine().getOut().print(format(client.clusterStatus()));
      return ExitCodes.OK;
    }
  }

  static String format(ClusterStatus status) {
    List<NodeStatus> nodes = status.getNodesList().stream()
        .sorted(Comparator.comparing(NodeStatus::getNodeId)).toList();
    TextTable summary = new TextTable("NODE", "MAP_EPOCH", "UPTIME_S", "REPLICAS");
    TextTable replicas = new TextTable("NODE", "SHARD", "ROLE", "LEADER", "TERM", "COMMIT", "APPLIED", "SNAPSHOT",
        "KEYS", "LOG_BYTES", "STORE_BYTES");
    for (NodeStatus n : nodes) {
      summary.row(n.getNodeId(), n.getMapEpoch(), n.getUptimeMs() / 1000, n.getReplicasCount());
      List<ReplicaStatus> sorted = n.getReplicasList().stream()
          .sorted(Comparator.comparing((ReplicaStatus r) -> !r.getIsMeta()).thenComparingInt(ReplicaStatus::getShardId))
          .toList();
      for (ReplicaStatus r : sorted) {
        replicas.row(n.getNodeId(), r.getIsMeta() ? "meta" : String.valueOf(r.getShardId()), r.getRole(),
            r.getLeaderId().isEmpty() ? "-" : r.getLeaderId(), r.getTerm(), r.getCommitIndex(), r.getAppliedIndex(),
            r.getSnapshotIndex(), r.getKeys(), r.getLogBytes(), r.getStoreBytes());
      }
    }
    StringBuilder out = new StringBuilder(summary.render()).append('\n').append(replicas.render());
    for (Map.Entry<String, String> e : status.getUnreachableMap().entrySet().stream()
        .sorted(Map.Entry.comparingByKey()).toList()) {
      out.append("unreachable: ").append(e.getKey()).append(" (").append(e.getValue()).append(")\n");
    }
    return out.toString();
  }
}

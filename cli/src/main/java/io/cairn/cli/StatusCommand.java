package io.cairn.cli;

import io.cairn.client.BlockingCairnClient;
import io.cairn.client.CairnException;
import io.cairn.proto.ClusterStatus;
import io.cairn.proto.NodeAddresses;
import io.cairn.proto.NodeInfo;
import io.cairn.proto.NodeStatus;
import io.cairn.proto.ReplicaStatus;
import java.io.PrintWriter;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "Prints every node's replicas with role, leader, term and indexes "
          + "(-o json: the ClusterStatus message of cluster.proto).",
      "A node that did not answer gets one line on stderr, NODE HOST:PORT unreachable: REASON, and the exit "
          + "code is 4."
    })
final class StatusCommand implements Callable<Integer> {
  @ParentCommand CairnCtl ctl;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    try (BlockingCairnClient client = ctl.openBlockingClient(spec)) {
      ClusterStatus raw = client.clusterStatus();
      // Nodes render an unreachable peer's reason from a gRPC status, stack trace included.
      Map<String, String> unreachable = new TreeMap<>();
      raw.getUnreachableMap().forEach((node, reason) -> unreachable.put(node, OneLine.of(reason)));
      ClusterStatus status =
          raw.toBuilder().clearUnreachable().putAllUnreachable(unreachable).build();
      if (ctl.output() == OutputFormat.JSON) {
        JsonOutput.print(spec.commandLine().getOut(), status);
      } else {
        spec.commandLine().getOut().print(format(status));
      }
      if (unreachable.isEmpty()) {
        return ExitCodes.OK;
      }
      Map<String, String> addresses = clientAddresses(client);
      PrintWriter err = spec.commandLine().getErr();
      unreachable.forEach(
          (node, reason) ->
              err.println(
                  ExitCodes.prefix("status")
                      + node
                      + (addresses.containsKey(node) ? " " + addresses.get(node) : "")
                      + " unreachable: "
                      + reason));
      return ExitCodes.UNAVAILABLE;
    }
  }

  /**
   * Node id to host:client-port from the shard map; empty when the map cannot be had (the lines
   * then name only the node).
   */
  private static Map<String, String> clientAddresses(BlockingCairnClient client) {
    Map<String, String> addresses = new TreeMap<>();
    try {
      for (NodeInfo n : client.shardMap().getNodesList()) {
        addresses.put(n.getId(), NodeAddresses.clientEndpoint(n));
      }
    } catch (CairnException e) {
      // The status itself was answered; the addresses only help to read it.
    }
    return addresses;
  }

  static String format(ClusterStatus status) {
    List<NodeStatus> nodes =
        status.getNodesList().stream().sorted(Comparator.comparing(NodeStatus::getNodeId)).toList();
    TextTable summary = new TextTable("NODE", "MAP_EPOCH", "UPTIME_S", "REPLICAS");
    TextTable replicas =
        new TextTable(
            "NODE",
            "SHARD",
            "ROLE",
            "LEADER",
            "TERM",
            "COMMIT",
            "APPLIED",
            "SNAPSHOT",
            "KEYS",
            "LOG_BYTES",
            "STORE_BYTES");
    for (NodeStatus n : nodes) {
      summary.row(n.getNodeId(), n.getMapEpoch(), n.getUptimeMs() / 1000, n.getReplicasCount());
      List<ReplicaStatus> sorted =
          n.getReplicasList().stream()
              .sorted(
                  Comparator.comparing((ReplicaStatus r) -> !r.getIsMeta())
                      .thenComparingInt(ReplicaStatus::getShardId))
              .toList();
      for (ReplicaStatus r : sorted) {
        replicas.row(
            n.getNodeId(),
            r.getIsMeta() ? "meta" : String.valueOf(r.getShardId()),
            r.getRole(),
            r.getLeaderId().isEmpty() ? "-" : r.getLeaderId(),
            r.getTerm(),
            r.getCommitIndex(),
            r.getAppliedIndex(),
            r.getSnapshotIndex(),
            r.getKeys(),
            r.getLogBytes(),
            r.getStoreBytes());
      }
    }
    return summary.render() + '\n' + replicas.render();
  }
}

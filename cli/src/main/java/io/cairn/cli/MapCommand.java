package io.cairn.cli;

import io.cairn.client.BlockingCairnClient;
import io.cairn.proto.NodeInfo;
import io.cairn.proto.Routing;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
    name = "map",
    mixinStandardHelpOptions = true,
    description =
        "Prints the shard map: nodes, shards, their replicas and current leaders "
            + "(-o json: the Routing message of cluster.proto, with its map and leaders).")
final class MapCommand implements Callable<Integer> {
  @ParentCommand CairnCtl ctl;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    try (BlockingCairnClient client = ctl.openBlockingClient(spec)) {
      Routing routing = client.routing();
      if (ctl.output() == OutputFormat.JSON) {
        JsonOutput.print(spec.commandLine().getOut(), routing);
      } else {
        spec.commandLine().getOut().print(format(routing));
      }
      return ExitCodes.OK;
    }
  }

  static String format(Routing routing) {
    ShardMap map = routing.getMap();
    StringBuilder out = new StringBuilder();
    out.append("cluster ")
        .append(map.getClusterId())
        .append("  epoch ")
        .append(map.getEpoch())
        .append("  virtual nodes per shard ")
        .append(map.getVirtualNodesPerShard())
        .append("  replication factor ")
        .append(map.getReplicationFactor())
        .append("\n\n");
    TextTable nodes =
        new TextTable(
            "NODE", "HOST", "CLIENT_PORT", "RAFT_PORT", "HTTP_PORT", "PEER_PORT", "CLIENT_HOST");
    for (NodeInfo n : map.getNodesList()) {
      nodes.row(
          n.getId(),
          n.getHost(),
          n.getClientPort(),
          n.getRaftPort(),
          n.getHttpPort(),
          n.getPeerPort() == 0 ? "-" : n.getPeerPort(),
          n.getClientHost().isEmpty() ? "-" : n.getClientHost());
    }
    out.append(nodes.render()).append('\n');
    TextTable shards = new TextTable("SHARD", "LEADER", "REPLICAS", "GROUP");
    for (ShardInfo s : map.getShardsList()) {
      shards.row(
          s.getShardId(),
          routing.getLeadersOrDefault(s.getShardId(), "-"),
          String.join(",", s.getReplicasList()),
          s.getGroupId());
    }
    if (map.hasMeta()) {
      shards.row(
          "meta",
          "-",
          String.join(",", map.getMeta().getReplicasList()),
          map.getMeta().getGroupId());
    }
    out.append(shards.render());
    return out.toString();
  }
}

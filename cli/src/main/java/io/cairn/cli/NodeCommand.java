package io.cairn.cli;

import io.cairn.client.BlockingCairnClient;
import io.cairn.proto.ClusterStatus;
import io.cairn.proto.NodeAddresses;
import io.cairn.proto.NodeInfo;
import io.cairn.proto.NodeState;
import io.cairn.proto.NodeStatus;
import io.cairn.proto.ReplicaStatus;
import io.cairn.proto.Routing;
import io.cairn.proto.ShardInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
    name = "node",
    mixinStandardHelpOptions = true,
    description = "The cluster's nodes.",
    subcommands = {
      NodeCommand.ListNodes.class,
      NodeChanges.Add.class,
      NodeChanges.Drain.class,
      NodeChanges.Activate.class,
      NodeChanges.Remove.class,
      NodeChanges.Replace.class
    })
final class NodeCommand implements Callable<Integer> {
  @ParentCommand CairnCtl ctl;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }

  /** One node as {@code node list} shows it. */
  record Row(
      String nodeId,
      String address,
      boolean up,
      String downReason,
      int replicas,
      int leaders,
      long mapEpoch,
      String state) {}

  /** The rows, from the routing (map and leaders) and every node's status. Pure. */
  static List<Row> rows(Routing routing, ClusterStatus status) {
    Map<String, Integer> replicas = new TreeMap<>();
    for (ShardInfo s : routing.getMap().getShardsList()) {
      s.getReplicasList().forEach(n -> replicas.merge(n, 1, Integer::sum));
    }
    routing.getMap().getMeta().getReplicasList().forEach(n -> replicas.merge(n, 1, Integer::sum));
    // The answering node knows the leaders of the shards it holds; the nodes' own reports fill in
    // the others (with more nodes than replicas per shard, no node holds every shard).
    Map<Integer, String> leaderOf = new TreeMap<>(routing.getLeadersMap());
    for (NodeStatus n : status.getNodesList()) {
      for (ReplicaStatus r : n.getReplicasList()) {
        if (!r.getIsMeta() && r.getRole().equals("LEADER")) {
          leaderOf.putIfAbsent(r.getShardId(), n.getNodeId());
        }
      }
    }
    Map<String, Integer> leaders = new TreeMap<>();
    leaderOf.values().forEach(n -> leaders.merge(n, 1, Integer::sum));
    Map<String, Integer> joining = new TreeMap<>();
    for (ShardInfo s : routing.getMap().getShardsList()) {
      if (MoveProgress.isMoving(s)) {
        joining.merge(s.getMove().getTo(), 1, Integer::sum);
      }
    }
    Map<String, NodeStatus> answered = new TreeMap<>();
    status.getNodesList().forEach(n -> answered.put(n.getNodeId(), n));
    List<Row> rows = new ArrayList<>();
    for (NodeInfo n : routing.getMap().getNodesList()) {
      NodeStatus s = answered.get(n.getId());
      boolean removed = n.getState() == NodeState.NODE_REMOVED;
      rows.add(
          new Row(
              n.getId(),
              NodeAddresses.clientEndpoint(n),
              s != null,
              s != null || removed
                  ? null
                  : OneLine.of(status.getUnreachableOrDefault(n.getId(), "no answer")),
              replicas.getOrDefault(n.getId(), 0),
              leaders.getOrDefault(n.getId(), 0),
              s == null ? 0 : s.getMapEpoch(),
              membership(n, s != null, replicas.getOrDefault(n.getId(), 0), joining)));
    }
    return rows;
  }

  /** The STATE column: removed, draining, joining (receiving its first replicas), up or down. */
  private static String membership(
      NodeInfo n, boolean up, int replicas, Map<String, Integer> joining) {
    return switch (n.getState()) {
      case NODE_REMOVED -> "removed";
      case NODE_DRAINING -> up ? "draining" : "draining,down";
      default -> !up ? "down" : replicas == 0 && joining.containsKey(n.getId()) ? "joining" : "up";
    };
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = {
        "Lists every node of the shard map: its client address, its state (up, or down with the"
            + " reason; draining, joining while it receives its first replicas, removed), how many"
            + " replicas it holds (the meta group's included), how many shards it leads, and the"
            + " map epoch it has seen.",
        "Exit code 0 even when a node is down (its row says so); 4 when the cluster cannot be"
            + " reached."
      })
  static final class ListNodes implements Callable<Integer> {
    @ParentCommand NodeCommand node;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      CairnCtl ctl = node.ctl;
      try (BlockingCairnClient client = ctl.openBlockingClient(spec)) {
        Routing routing = client.routing();
        List<Row> rows = rows(routing, client.clusterStatus());
        var out = spec.commandLine().getOut();
        if (ctl.output() == OutputFormat.JSON) {
          JsonOutput.print(
              out,
              json -> {
                json.name("map_epoch").value(routing.getMap().getEpoch());
                json.name("nodes").beginArray();
                for (Row r : rows) {
                  json.beginObject();
                  json.name("node_id").value(r.nodeId());
                  json.name("address").value(r.address());
                  json.name("state").value(r.state());
                  if (r.downReason() != null) {
                    json.name("reason").value(r.downReason());
                  }
                  json.name("replicas").value(r.replicas());
                  json.name("leaders").value(r.leaders());
                  if (r.up()) {
                    json.name("map_epoch").value(r.mapEpoch());
                  }
                  json.endObject();
                }
                json.endArray();
              });
          return ExitCodes.OK;
        }
        TextTable table =
            new TextTable("NODE", "ADDRESS", "STATE", "REPLICAS", "LEADERS", "MAP_EPOCH");
        List<String> reasons = new ArrayList<>();
        for (Row r : rows) {
          table.row(
              r.nodeId(),
              r.address(),
              r.state(),
              r.replicas(),
              r.leaders(),
              r.up() ? String.valueOf(r.mapEpoch()) : "-");
          if (r.downReason() != null) {
            reasons.add(r.nodeId() + " down: " + r.downReason());
          }
        }
        out.print(table.render());
        reasons.forEach(out::println);
        return ExitCodes.OK;
      }
    }
  }
}

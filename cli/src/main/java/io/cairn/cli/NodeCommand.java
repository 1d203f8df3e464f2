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
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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

  /**
   * One node as {@code node list} shows it. {@code unreachedSince}: the meta group's leader has not
   * reached the node since then (its polls decide when replicas are re-created elsewhere); null
   * when it reaches it or did not answer either.
   */
  record Row(
      String nodeId,
      String address,
      boolean up,
      String downReason,
      int replicas,
      int leaders,
      long mapEpoch,
      String state,
      Unreached unreachedSince) {}

  /** The meta group's leader {@code reporter} has not reached the node since {@code unixMs}. */
  record Unreached(String reporter, long unixMs) {}

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
    // Only the meta leader reports; two may for a moment as it changes: the longer view wins.
    Map<String, Unreached> unreached = new TreeMap<>();
    for (NodeStatus reporter : status.getNodesList()) {
      reporter
          .getDownSinceUnixMsMap()
          .forEach(
              (id, since) ->
                  unreached.merge(
                      id,
                      new Unreached(reporter.getNodeId(), since),
                      (a, b) -> a.unixMs() <= b.unixMs() ? a : b));
    }
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
              membership(n, s != null, replicas.getOrDefault(n.getId(), 0), joining),
              removed ? null : unreached.get(n.getId())));
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

  /** The lines under the table for one row: why it is down, and since when. */
  static List<String> notes(Row r, Instant now) {
    List<String> out = new ArrayList<>();
    Unreached u = r.unreachedSince();
    String since =
        u == null
            ? ""
            : " since "
                + Instant.ofEpochMilli(u.unixMs()).truncatedTo(ChronoUnit.SECONDS)
                + " ("
                + ago(Duration.between(Instant.ofEpochMilli(u.unixMs()), now))
                + ", as "
                + u.reporter()
                + " sees it)";
    if (r.downReason() != null) {
      out.add(r.nodeId() + " down" + since + ": " + r.downReason());
    } else if (u != null) {
      out.add(
          r.nodeId()
              + " answers here, but the meta group's leader has not reached it"
              + since
              + ": if that lasts membership.down-node-timeout-ms, its replicas are re-created"
              + " elsewhere");
    }
    return out;
  }

  /** A duration as an operator reads it: 45s, 12m 5s, 3h 2m. */
  static String ago(Duration d) {
    long s = Math.max(0, d.getSeconds());
    if (s < 60) {
      return s + "s ago";
    }
    if (s < 3600) {
      return (s / 60) + "m " + (s % 60) + "s ago";
    }
    return (s / 3600) + "h " + (s % 3600 / 60) + "m ago";
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = {
        "Lists every node of the shard map: its client address, its state (up, or down with the"
            + " reason; draining, joining while it receives its first replicas, removed), how many"
            + " replicas it holds (the meta group's included), how many shards it leads, and the"
            + " map epoch it has seen. Under the table: why a node is down and since when (as the"
            + " meta group's leader, whose polls decide when a node's replicas are re-created"
            + " elsewhere, sees it).",
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
                  if (r.unreachedSince() != null) {
                    json.name("unreached_by").value(r.unreachedSince().reporter());
                    json.name("unreached_since")
                        .value(Instant.ofEpochMilli(r.unreachedSince().unixMs()).toString());
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
          reasons.addAll(notes(r, Instant.now()));
        }
        out.print(table.render());
        reasons.forEach(out::println);
        return ExitCodes.OK;
      }
    }
  }
}

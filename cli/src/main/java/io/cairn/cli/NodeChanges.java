package io.cairn.cli;

import io.cairn.client.BlockingCairnClient;
import io.cairn.proto.ClusterStatus;
import io.cairn.proto.NodeInfo;
import io.cairn.proto.NodeState;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code cairnctl node add | drain | activate | remove | replace}: membership changes. */
final class NodeChanges {
  private NodeChanges() {}

  /** Replicas the map places on {@code nodeId}, counting a move that targets it. */
  static int replicasOn(ShardMap map, String nodeId) {
    int n = 0;
    for (ShardInfo s : map.getShardsList()) {
      n += names(s, nodeId) ? 1 : 0;
    }
    return n + (names(map.getMeta(), nodeId) ? 1 : 0);
  }

  private static boolean names(ShardInfo s, String nodeId) {
    return s.getReplicasList().contains(nodeId)
        || (MoveProgress.isMoving(s) && s.getMove().getTo().equals(nodeId));
  }

  static boolean settled(ShardMap map) {
    return MoveProgress.moving(map).isEmpty();
  }

  /**
   * A node's addresses from {@code HOST:RAFT_PORT:CLIENT_PORT:HTTP_PORT:PEER_PORT[/CLIENT_HOST]},
   * as in cluster.nodes.
   *
   * @throws IllegalArgumentException with what is wrong
   */
  static NodeInfo parseAddress(String id, String spec) {
    int slash = spec.indexOf('/');
    String clientHost = slash < 0 ? "" : spec.substring(slash + 1);
    String[] parts = (slash < 0 ? spec : spec.substring(0, slash)).split(":");
    if (parts.length != 5 || parts[0].isBlank() || (slash >= 0 && clientHost.isBlank())) {
      throw new IllegalArgumentException(
          "'"
              + spec
              + "' is not HOST:RAFT_PORT:CLIENT_PORT:HTTP_PORT:PEER_PORT[/CLIENT_HOST] (e.g."
              + " 10.0.0.4:7000:7001:7002:7003)");
    }
    int[] ports = new int[4];
    for (int i = 0; i < 4; i++) {
      try {
        ports[i] = Integer.parseInt(parts[i + 1]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "port '" + parts[i + 1] + "' in '" + spec + "' is not a number");
      }
    }
    return NodeInfo.newBuilder()
        .setId(id)
        .setHost(parts[0])
        .setRaftPort(ports[0])
        .setClientPort(ports[1])
        .setHttpPort(ports[2])
        .setPeerPort(ports[3])
        .setClientHost(clientHost)
        .build();
  }

  /** Options shared by the commands that can wait for the rebalancer. */
  static final class WaitOptions {
    @Option(names = "--wait", description = "Wait until the replicas have moved, showing progress.")
    boolean waiting;

    @Option(
        names = "--wait-ms",
        paramLabel = "MS",
        defaultValue = "600000",
        description = "How long --wait waits (default ${DEFAULT-VALUE}); exit 4 when it runs out.")
    long waitMs;
  }

  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description = {
        "Adds node ID, reachable at ADDRESS (HOST:RAFT_PORT:CLIENT_PORT:HTTP_PORT:PEER_PORT[/CLIENT_HOST]), to the cluster"
            + " as an active member, in a new map epoch. Start the node with cluster.join=<any"
            + " member's host:client-port> (or its cluster.nodes unset) before or after; the"
            + " rebalancer then moves replicas onto it. A no-op if it is there already.",
        "With --wait, waits until no replica is moving any more."
      })
  static final class Add implements Callable<Integer> {
    @ParentCommand NodeCommand node;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "The new node's id.")
    String nodeId;

    @Parameters(
        index = "1",
        paramLabel = "ADDRESS",
        description = "HOST:RAFT_PORT:CLIENT_PORT:HTTP_PORT:PEER_PORT[/CLIENT_HOST]")
    String address;

    @picocli.CommandLine.Mixin WaitOptions wait = new WaitOptions();

    @Override
    public Integer call() throws InterruptedException {
      NodeInfo info;
      try {
        info = parseAddress(nodeId, address);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      try (BlockingCairnClient client = node.ctl.openBlockingClient(spec)) {
        ShardMap map = client.addNode(info);
        return report(
            node.ctl,
            spec,
            client,
            "node add",
            nodeId + " is an active member (map epoch " + map.getEpoch() + ")",
            wait,
            NodeChanges::settled,
            m -> nodeId + " holds " + replicasOn(m, nodeId) + " replica(s); nothing is moving");
      }
    }
  }

  @Command(
      name = "drain",
      mixinStandardHelpOptions = true,
      description = {
        "Marks node ID as draining, in a new map epoch: the rebalancer moves every replica and"
            + " leadership off it (at most membership.moves-max at a time), each through Raft"
            + " (the new replica catches up before the old one is removed).",
        "With --wait, waits until it holds no replica, then says how to remove it."
      })
  static final class Drain implements Callable<Integer> {
    @ParentCommand NodeCommand node;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "The node to drain.")
    String nodeId;

    @picocli.CommandLine.Mixin WaitOptions wait = new WaitOptions();

    @Override
    public Integer call() throws InterruptedException {
      try (BlockingCairnClient client = node.ctl.openBlockingClient(spec)) {
        ShardMap map = client.setNodeState(nodeId, NodeState.NODE_DRAINING);
        return report(
            node.ctl,
            spec,
            client,
            "node drain",
            nodeId
                + " is draining (map epoch "
                + map.getEpoch()
                + "); it holds "
                + replicasOn(map, nodeId)
                + " replica(s)",
            wait,
            m -> replicasOn(m, nodeId) == 0 && settled(m),
            m -> nodeId + " holds no replica; remove it with: cairnctl node remove " + nodeId);
      }
    }
  }

  @Command(
      name = "activate",
      mixinStandardHelpOptions = true,
      description =
          "Takes a draining node ID back as an active member (it receives replicas again).")
  static final class Activate implements Callable<Integer> {
    @ParentCommand NodeCommand node;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "The node to take back.")
    String nodeId;

    @Override
    public Integer call() throws InterruptedException {
      try (BlockingCairnClient client = node.ctl.openBlockingClient(spec)) {
        ShardMap map = client.setNodeState(nodeId, NodeState.NODE_ACTIVE);
        return report(
            node.ctl,
            spec,
            client,
            "node activate",
            nodeId + " is an active member (map epoch " + map.getEpoch() + ")",
            new WaitOptions(),
            m -> true,
            m -> "");
      }
    }
  }

  @Command(
      name = "remove",
      mixinStandardHelpOptions = true,
      description = {
        "Removes node ID from the cluster, in a new map epoch. Refused (exit 7) while it holds"
            + " replicas: drain it first. --force removes a dead node that still holds replicas;"
            + " the rebalancer re-creates them on other nodes. A removed id cannot join again.",
        "Stop the node's process once it is removed (it serves nothing any more)."
      })
  static final class Remove implements Callable<Integer> {
    @ParentCommand NodeCommand node;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "The node to remove.")
    String nodeId;

    @Option(
        names = "--force",
        description = "Remove a node that still holds replicas (only for a dead node).")
    boolean force;

    @picocli.CommandLine.Mixin WaitOptions wait = new WaitOptions();

    @Override
    public Integer call() throws InterruptedException {
      try (BlockingCairnClient client = node.ctl.openBlockingClient(spec)) {
        if (force && answers(client, nodeId)) {
          spec.commandLine()
              .getErr()
              .println(
                  ExitCodes.prefix("node remove")
                      + nodeId
                      + " is up and answering; --force is for dead nodes (drain a live one:"
                      + " cairnctl node drain "
                      + nodeId
                      + " --wait)");
          return ExitCodes.REFUSED;
        }
        ShardMap map = client.removeNode(nodeId, force);
        return report(
            node.ctl,
            spec,
            client,
            "node remove",
            nodeId + " is removed (map epoch " + map.getEpoch() + ")",
            wait,
            m -> replicasOn(m, nodeId) == 0 && settled(m),
            m -> "its replicas are re-created elsewhere; nothing is moving");
      }
    }
  }

  @Command(
      name = "replace",
      mixinStandardHelpOptions = true,
      description = {
        "Replaces dead node DEAD with node NEW at ADDRESS (HOST:RAFT_PORT:CLIENT_PORT:HTTP_PORT:PEER_PORT[/CLIENT_HOST]):"
            + " adds NEW, then removes DEAD with --force, so the rebalancer re-creates DEAD's"
            + " replicas (NEW, holding none, takes them first). Refused while DEAD answers.",
        "This is also the way back for a node whose disk was lost: give it a new id and an empty"
            + " data dir (docs/operations.md)."
      })
  static final class Replace implements Callable<Integer> {
    @ParentCommand NodeCommand node;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DEAD", description = "The dead node.")
    String dead;

    @Parameters(index = "1", paramLabel = "NEW", description = "The new node's id.")
    String fresh;

    @Parameters(
        index = "2",
        paramLabel = "ADDRESS",
        description = "HOST:RAFT_PORT:CLIENT_PORT:HTTP_PORT:PEER_PORT[/CLIENT_HOST]")
    String address;

    @picocli.CommandLine.Mixin WaitOptions wait = new WaitOptions();

    @Override
    public Integer call() throws InterruptedException {
      NodeInfo info;
      try {
        info = parseAddress(fresh, address);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      try (BlockingCairnClient client = node.ctl.openBlockingClient(spec)) {
        if (answers(client, dead)) {
          spec.commandLine()
              .getErr()
              .println(
                  ExitCodes.prefix("node replace")
                      + dead
                      + " is up and answering; drain it instead (cairnctl node add, then"
                      + " cairnctl node drain "
                      + dead
                      + " --wait)");
          return ExitCodes.REFUSED;
        }
        client.addNode(info);
        ShardMap map = client.removeNode(dead, true);
        return report(
            node.ctl,
            spec,
            client,
            "node replace",
            fresh + " replaces " + dead + " (map epoch " + map.getEpoch() + ")",
            wait,
            m -> replicasOn(m, dead) == 0 && settled(m),
            m -> fresh + " holds " + replicasOn(m, fresh) + " replica(s); nothing is moving");
      }
    }
  }

  /** Whether the node answers a status call, as cluster status sees it. */
  static boolean answers(BlockingCairnClient client, String nodeId) {
    ClusterStatus status = client.clusterStatus();
    return status.getNodesList().stream().anyMatch(n -> n.getNodeId().equals(nodeId));
  }

  /** Prints what changed, waits if asked, and returns the exit code. */
  static int report(
      CairnCtl ctl,
      CommandSpec spec,
      BlockingCairnClient client,
      String command,
      String changed,
      WaitOptions wait,
      java.util.function.Predicate<ShardMap> done,
      java.util.function.Function<ShardMap, String> doneLine)
      throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    boolean json = ctl.output() == OutputFormat.JSON;
    if (!json) {
      out.println(changed);
      out.flush();
    }
    ShardMap last = null;
    if (wait.waiting) {
      last = MapWait.until(client, done, wait.waitMs, out, !json);
    }
    if (json) {
      ShardMap finalMap = last;
      JsonOutput.print(
          out,
          j -> {
            j.name("changed").value(changed);
            if (wait.waiting) {
              j.name("done").value(finalMap != null);
              if (finalMap != null) {
                j.name("map_epoch").value(finalMap.getEpoch());
              }
            }
          });
    } else if (last != null) {
      out.println(doneLine.apply(last));
    }
    if (wait.waiting && last == null) {
      spec.commandLine()
          .getErr()
          .println(
              ExitCodes.prefix(command)
                  + "not done within "
                  + wait.waitMs
                  + " ms; the change stands and the moves go on (watch them with cairnctl node"
                  + " list)");
      return ExitCodes.UNAVAILABLE;
    }
    return ExitCodes.OK;
  }
}

package io.cairn.cli;

import io.cairn.client.BlockingCairnClient;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
    name = "shard",
    mixinStandardHelpOptions = true,
    description = "Shards: their replicas, and adding one.",
    subcommands = {ShardCommand.Move.class, ShardCommand.Add.class})
final class ShardCommand implements Callable<Integer> {
  @ParentCommand CairnCtl ctl;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }

  static ShardInfo group(ShardMap map, int shardId) {
    if (shardId == 0) {
      return map.getMeta();
    }
    return map.getShardsList().stream()
        .filter(s -> s.getShardId() == shardId)
        .findFirst()
        .orElse(ShardInfo.getDefaultInstance());
  }

  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description = {
        "Adds one shard, in a new map epoch: a new Raft group that takes over the keys the key"
            + " ring with it gives it (about 1/(N+1) of every shard's), so that writes spread over"
            + " one more leader. The rebalancer places its replicas; the meta group's leader then"
            + " copies its keys and client sessions from the other shards and marks it serving.",
        "The keys that move are unavailable (clients retry) from the moment their shard is fenced"
            + " until the new shard serves; the other keys are served throughout. One shard is"
            + " added at a time. With --wait, waits until it serves."
      })
  static final class Add implements Callable<Integer> {
    @ParentCommand ShardCommand shard;
    @Spec CommandSpec spec;

    @picocli.CommandLine.Mixin NodeChanges.WaitOptions wait = new NodeChanges.WaitOptions();

    @Override
    public Integer call() throws InterruptedException {
      try (BlockingCairnClient client = shard.ctl.openBlockingClient(spec)) {
        ShardMap map = client.addShard();
        int added =
            map.getShardsList().stream()
                .filter(ShardInfo::getFilling)
                .mapToInt(ShardInfo::getShardId)
                .max()
                .orElse(0);
        String what = "shard " + added;
        return NodeChanges.report(
            shard.ctl,
            spec,
            client,
            "shard add",
            what + ": added, filling (map epoch " + map.getEpoch() + ")",
            wait,
            m -> !group(m, added).getFilling() && group(m, added).getShardId() == added,
            m ->
                what
                    + ": serving on "
                    + String.join(", ", group(m, added).getReplicasList())
                    + " (map epoch "
                    + m.getEpoch()
                    + ")");
      }
    }
  }

  @Command(
      name = "move",
      mixinStandardHelpOptions = true,
      description = {
        "Moves SHARD's replica (0: the meta group) from node FROM to node TO, in a new map epoch:"
            + " TO is added to the shard's Raft group and caught up (snapshot, then log) before it"
            + " votes, leadership leaves FROM first if it leads, then FROM is removed; the shard"
            + " never has fewer voters than before. --cancel stops a move in progress.",
        "With membership.rebalance on, the rebalancer may later even placement out again; turn it"
            + " off for hand placement. With --wait, waits until the move is done, showing how far"
            + " TO has caught up."
      })
  static final class Move implements Callable<Integer> {
    @ParentCommand ShardCommand shard;
    @Spec CommandSpec spec;

    @Parameters(
        index = "0",
        paramLabel = "SHARD",
        description = "The shard id (0: the meta group).")
    int shardId;

    @Parameters(
        index = "1",
        arity = "0..1",
        paramLabel = "FROM",
        description = "The node to move from.")
    String from;

    @Parameters(
        index = "2",
        arity = "0..1",
        paramLabel = "TO",
        description = "The node to move to.")
    String to;

    @Option(names = "--cancel", description = "Cancel SHARD's move in progress instead.")
    boolean cancel;

    @picocli.CommandLine.Mixin NodeChanges.WaitOptions wait = new NodeChanges.WaitOptions();

    @Override
    public Integer call() throws InterruptedException {
      if (!cancel && (from == null || to == null)) {
        throw new ParameterException(spec.commandLine(), "give FROM and TO, or --cancel");
      }
      try (BlockingCairnClient client = shard.ctl.openBlockingClient(spec)) {
        ShardMap map = client.moveReplica(shardId, cancel ? "" : from, cancel ? "" : to, cancel);
        String what = shardId == 0 ? "meta group" : "shard " + shardId;
        String changed =
            cancel
                ? what + ": no move in progress (map epoch " + map.getEpoch() + ")"
                : what + ": moving " + from + " -> " + to + " (map epoch " + map.getEpoch() + ")";
        return NodeChanges.report(
            shard.ctl,
            spec,
            client,
            "shard move",
            changed,
            wait,
            m -> !MoveProgress.isMoving(group(m, shardId)),
            m -> what + ": replicas " + String.join(", ", group(m, shardId).getReplicasList()));
      }
    }
  }
}

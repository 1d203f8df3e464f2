package io.cairn.cli;

import io.cairn.client.BlockingCairnClient;
import io.cairn.client.CairnException;
import io.cairn.proto.Routing;
import io.cairn.proto.TransferLeaderResponse;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
    name = "leader",
    mixinStandardHelpOptions = true,
    description = "Leadership of shards.",
    subcommands = {LeaderCommand.Transfer.class})
final class LeaderCommand implements Callable<Integer> {
  @ParentCommand CairnCtl ctl;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }

  @Command(
      name = "transfer",
      mixinStandardHelpOptions = true,
      description = {
        "Makes NODE the preferred leader of SHARD (0: the meta group): first in the shard's replica"
            + " list, in a new map epoch. The shard's leader then hands leadership to it once it"
            + " has caught up, and leadership returns to it after failovers.",
        "Prints the map epoch of the change; with --wait, waits until NODE leads (exit 4 if it"
            + " does not within --wait-ms)."
      })
  static final class Transfer implements Callable<Integer> {
    /** How often --wait looks at the routing. */
    private static final long POLL_MS = 200;

    @ParentCommand LeaderCommand leader;

    @Spec CommandSpec spec;

    @Parameters(
        index = "0",
        paramLabel = "SHARD",
        description = "The shard id (0: the meta group).")
    int shardId;

    @Parameters(
        index = "1",
        paramLabel = "NODE",
        description = "The node id of one of its replicas.")
    String nodeId;

    @Option(names = "--wait", description = "Wait until NODE leads the shard.")
    boolean waitForLeader;

    @Option(
        names = "--wait-ms",
        paramLabel = "MS",
        defaultValue = "30000",
        description = "How long --wait waits (default ${DEFAULT-VALUE}).")
    long waitMs;

    @Override
    public Integer call() throws InterruptedException {
      CairnCtl ctl = leader.ctl;
      if (waitForLeader && shardId == 0) {
        throw new picocli.CommandLine.ParameterException(
            spec.commandLine(),
            "--wait needs a data shard: the routing does not name the meta group's leader");
      }
      try (BlockingCairnClient client = ctl.openBlockingClient(spec)) {
        TransferLeaderResponse r = client.transferLeader(shardId, nodeId);
        String what = shardId == 0 ? "meta group" : "shard " + shardId;
        PrintWriter out = spec.commandLine().getOut();
        boolean leads = !waitForLeader || awaitLeader(client, waitMs);
        if (ctl.output() == OutputFormat.JSON) {
          JsonOutput.print(
              out,
              json -> {
                json.name("shard_id").value(shardId);
                json.name("node_id").value(nodeId);
                json.name("map_epoch").value(r.getMapEpoch());
                if (waitForLeader) {
                  json.name("leads").value(leads);
                }
              });
        } else {
          out.println(
              what
                  + ": "
                  + nodeId
                  + " is the preferred leader (map epoch "
                  + r.getMapEpoch()
                  + ")");
          if (waitForLeader && leads) {
            out.println(what + ": " + nodeId + " leads");
          }
        }
        if (!leads) {
          spec.commandLine()
              .getErr()
              .println(
                  ExitCodes.prefix("leader transfer")
                      + nodeId
                      + " did not lead "
                      + what
                      + " within "
                      + waitMs
                      + " ms (is it up and caught up? see cairnctl status)");
          return ExitCodes.UNAVAILABLE;
        }
        return ExitCodes.OK;
      }
    }

    private boolean awaitLeader(BlockingCairnClient client, long budgetMs)
        throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budgetMs);
      while (true) {
        try {
          Routing routing = client.routing();
          if (nodeId.equals(routing.getLeadersOrDefault(shardId, ""))) {
            return true;
          }
        } catch (CairnException e) {
          // The transfer has committed; a node not answering now only delays seeing it happen.
        }
        if (System.nanoTime() > deadline) {
          return false;
        }
        Thread.sleep(POLL_MS); // polling a remote cluster's routing, not a test's condition
      }
    }
  }
}

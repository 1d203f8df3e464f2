package io.cairn.cli;

import io.cairn.client.BlockingCairnClient;
import io.cairn.client.CairnException;
import io.cairn.proto.MarkShardDigestResponse;
import io.cairn.proto.ReplicaDigest;
import io.cairn.proto.ShardInfo;
import io.cairn.proto.ShardMap;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = {
      "Checks that every replica of every shard (or of the --shard ones) holds the same state: puts"
          + " a digest marker in each shard's log through its leader, then asks every replica for"
          + " the digest of its state (keys, values, versions, client sessions) at exactly that"
          + " index.",
      "Each replica reads its whole state to compute the digest, on its apply thread: run it to"
          + " check, not in a loop.",
      "Exit code 0 when all agree, 6 when replicas of a shard differ (the ones that differ from"
          + " the majority are named), 4 when some replica or shard could not be checked."
    })
final class VerifyCommand implements Callable<Integer> {
  @ParentCommand CairnCtl ctl;

  @Spec CommandSpec spec;

  @Option(
      names = "--shard",
      paramLabel = "ID",
      description = "Check only this shard (repeatable). Default: every data shard.")
  List<Integer> shards = new ArrayList<>();

  @Option(
      names = "--wait-ms",
      paramLabel = "MS",
      defaultValue = "10000",
      description =
          "How long each replica may take to apply the marker (default ${DEFAULT-VALUE}; at most"
              + " 60000).")
  int waitMs;

  @Override
  public Integer call() {
    if (waitMs < 0 || waitMs > 60_000) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--wait-ms must be between 0 and 60000, got " + waitMs);
    }
    try (BlockingCairnClient client = ctl.openBlockingClient(spec)) {
      ShardMap map = client.shardMap();
      Set<Integer> wanted = new TreeSet<>(shards);
      List<VerifyReport> reports = new ArrayList<>();
      for (ShardInfo shard : map.getShardsList()) {
        if (wanted.isEmpty() || wanted.remove(shard.getShardId())) {
          reports.add(check(client, shard));
        }
      }
      if (!wanted.isEmpty()) {
        throw new picocli.CommandLine.ParameterException(
            spec.commandLine(),
            "the shard map (epoch " + map.getEpoch() + ") has no shard " + wanted);
      }
      print(reports);
      return exitCode(reports);
    }
  }

  private VerifyReport check(BlockingCairnClient client, ShardInfo shard) {
    int id = shard.getShardId();
    MarkShardDigestResponse marker;
    try {
      marker = client.markShardDigest(id);
    } catch (CairnException e) {
      return VerifyReport.notChecked(id, OneLine.of(e.getMessage()));
    }
    List<VerifyReport.Replica> replicas = new ArrayList<>();
    for (String node : shard.getReplicasList()) {
      try {
        ReplicaDigest d = client.replicaDigest(node, id, marker.getIndex(), waitMs);
        replicas.add(new VerifyReport.Replica(node, d, null));
      } catch (CairnException e) {
        replicas.add(new VerifyReport.Replica(node, null, OneLine.of(e.getMessage())));
      }
    }
    return new VerifyReport(id, marker.getIndex(), null, replicas);
  }

  static int exitCode(List<VerifyReport> reports) {
    if (reports.stream().anyMatch(r -> r.verdict() == VerifyReport.Verdict.DIVERGED)) {
      return ExitCodes.DIVERGED;
    }
    if (reports.stream().anyMatch(r -> r.verdict() != VerifyReport.Verdict.AGREE)) {
      return ExitCodes.UNAVAILABLE;
    }
    return ExitCodes.OK;
  }

  private void print(List<VerifyReport> reports) {
    PrintWriter out = spec.commandLine().getOut();
    if (ctl.output() != OutputFormat.JSON) {
      reports.forEach(r -> r.lines().forEach(out::println));
      return;
    }
    JsonOutput.print(
        out,
        json -> {
          json.name("shards").beginArray();
          for (VerifyReport r : reports) {
            json.beginObject();
            json.name("shard_id").value(r.shardId());
            json.name("index").value(r.index());
            json.name("verdict").value(r.verdict().name().toLowerCase(java.util.Locale.ROOT));
            if (r.markError() != null) {
              json.name("error").value(r.markError());
            }
            json.name("outliers").beginArray();
            for (String n : r.outliers()) {
              json.value(n);
            }
            json.endArray();
            json.name("replicas").beginArray();
            for (VerifyReport.Replica rep : r.replicas()) {
              json.beginObject();
              json.name("node_id").value(rep.nodeId());
              json.name("state").value(rep.state());
              if (rep.recorded()) {
                json.name("digest").value(rep.digestHex());
                json.name("keys").value(rep.answer().getKeys());
              }
              if (rep.error() != null) {
                json.name("error").value(rep.error());
              }
              json.endObject();
            }
            json.endArray();
            json.endObject();
          }
          json.endArray();
        });
  }
}

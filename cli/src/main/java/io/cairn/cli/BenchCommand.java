package io.cairn.cli;

import io.cairn.cli.bench.BenchPlan;
import io.cairn.cli.bench.BenchReport;
import io.cairn.cli.bench.BenchRunner;
import io.cairn.cli.bench.KvOps;
import io.cairn.cli.bench.ReadConsistency;
import io.cairn.client.CairnClient;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "Closed-loop benchmark: --clients workers each keep one request outstanding; after --warmup-s, latencies are "
            + "recorded for --duration-s. Prints ops, errors, throughput and p50/p99/p99.9/max latency, then one line "
            + "BENCH key=value ... for scripts (-o json: one document with the same numbers). Exits with 4 if no "
            + "operation succeeded.")
final class BenchCommand implements Callable<Integer> {
  @ParentCommand CairnCtl ctl;

  @Spec CommandSpec spec;

  @Option(
      names = "--clients",
      paramLabel = "N",
      defaultValue = "16",
      description = "Concurrent workers (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(
      names = "--client-instances",
      paramLabel = "N",
      defaultValue = "1",
      description =
          "CairnClient instances the workers share, round-robin (default: ${DEFAULT-VALUE}).")
  int clientInstances;

  @Option(
      names = "--duration-s",
      paramLabel = "SECONDS",
      defaultValue = "20",
      description = "Recorded seconds (default: ${DEFAULT-VALUE}).")
  double durationS;

  @Option(
      names = "--warmup-s",
      paramLabel = "SECONDS",
      defaultValue = "5",
      description = "Unrecorded seconds first (default: ${DEFAULT-VALUE}).")
  double warmupS;

  @Option(
      names = "--workload",
      paramLabel = "put|get|mix",
      defaultValue = "put",
      description = "put, get or mix (default: ${DEFAULT-VALUE}).")
  BenchPlan.Workload workload;

  @Option(
      names = "--read-ratio",
      paramLabel = "RATIO",
      defaultValue = "0.5",
      description = "mix: the share of reads, 0..1 (default: ${DEFAULT-VALUE}).")
  double readRatio;

  @Option(
      names = "--keys",
      paramLabel = "N",
      defaultValue = "100000",
      description = "Key space size (default: ${DEFAULT-VALUE}).")
  int keys;

  @Option(
      names = "--key-bytes",
      paramLabel = "BYTES",
      defaultValue = "16",
      description = "Key length (default: ${DEFAULT-VALUE}).")
  int keyBytes;

  @Option(
      names = "--value-bytes",
      paramLabel = "BYTES",
      defaultValue = "256",
      description = "Value length (default: ${DEFAULT-VALUE}).")
  int valueBytes;

  @Option(
      names = "--consistency",
      paramLabel = "LEVEL",
      defaultValue = "linearizable",
      description = "Read level: linearizable, session or eventual (default: ${DEFAULT-VALUE}).")
  ReadConsistency consistency;

  @Option(
      names = "--preload",
      description = "Write every key once before the run (for get and mix workloads).")
  boolean preload;

  @Option(
      names = "--seed",
      paramLabel = "N",
      defaultValue = "1",
      description = "Seed of key and value choice (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() throws InterruptedException {
    BenchPlan plan;
    try {
      plan =
          new BenchPlan(
              clients,
              durationS,
              warmupS,
              workload,
              readRatio,
              keys,
              keyBytes,
              valueBytes,
              consistency,
              preload,
              seed,
              clientInstances);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    List<CairnClient> instances = new ArrayList<>();
    try {
      for (int i = 0; i < plan.clientInstances(); i++) {
        instances.add(ctl.openClient(spec));
      }
      BenchReport report =
          new BenchRunner(plan, KvOps.over(instances), System::nanoTime, this::windowStarted).run();
      if (ctl.output() == OutputFormat.JSON) {
        JsonOutput.print(spec.commandLine().getOut(), report::writeJson);
      } else {
        spec.commandLine().getOut().print(report.render());
      }
      return report.ops() == 0 && report.errors() > 0 ? ExitCodes.UNAVAILABLE : ExitCodes.OK;
    } finally {
      instances.forEach(CairnClient::close);
    }
  }

  /** Text output only: JSON output stays one document. scripts/bench.sh reads this line. */
  private void windowStarted() {
    if (ctl.output() != OutputFormat.JSON) {
      PrintWriter out = spec.commandLine().getOut();
      out.println(BenchReport.WINDOW_STARTED);
      out.flush();
    }
  }
}

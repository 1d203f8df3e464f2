package io.cairn.cli;

import io.cairn.cli.bench.*;

import io.cairn.client.BlockingCairnClient;
import io.cairn.client.GetResult;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "get", mixinStandardHelpOptions = true,
    description = "Prints KEY's value (as UTF-8, nothing added); exits with 1 if the key does not exist.")
final class GetCommand implements Callable<Integer> {
  @ParentCommand
  CairnCtl ctl;

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "KEY")
  String key;

  @Option(names = "--consistency", paramLabel = "LEVEL", defaultValue = "linearizable",
      description = "linearizable (default), session or eventual.")
  ReadConsistency consistency;

  @Option(names = "--show-version", description = "Also print version=N on a second line.")
  boolean showVersion;

  @Override
  public Integer call() {
    try (BlockingCairnClient client = ctl.openBlockingClient(spec)) {
      GetResult r = client.get(key, consistency.proto());
      if (!r.found()) {
        spec.commandLine().getErr().println("cairnctl: get: key '" + key + "' not found");
        return ExitCodes.NOT_FOUND;
      }
      PrintWriter out = spec.commandLine().getOut();
      out.println(r.valueUtf8());
      if (showVersion) {
        out.println("version=" + r.version());
      }
      return ExitCodes.OK;
    }
  }
}

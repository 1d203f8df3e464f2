package io.cairn.cli;

import io.cairn.client.BlockingCairnClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "cas", mixinStandardHelpOptions = true,
    description = {
    "Compare-and-set: sets KEY to NEW_VALUE only if its version is EXPECTED_VERSION (0: only if absent).",
    "Prints OK version=N, or exits with 3 and the current version."})
final class CasCommand implements Callable<Integer> {
  @ParentCommand
  CairnCtl ctl;

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "KEY")
  String key;

  @Parameters(index = "1", paramLabel = "EXPECTED_VERSION")
  long expectedVersion;

  @Parameters(index = "2", paramLabel = "NEW_VALUE")
  String newValue;

  @Override
  public Integer call() {
    if (expectedVersion < 0) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "EXPECTED_VERSION is " + expectedVersion + "; use 0 (must not exist) or a version the key had");
    }
    try (BlockingCairnClient client = ctl.openBlockingClient(spec)) {
      long version = client.put(key, newValue, expectedVersion).version();
      spec.commandLine().getOut().println("OK version=" + version);
      return ExitCodes.OK;
    }
  }
}

package io.cairn.cli;

import io.cairn.client.BlockingCairnClient;
import io.cairn.client.PutResult;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "put", mixinStandardHelpOptions = true,
    description = "Sets KEY to VALUE (UTF-8) and prints the new version: OK version=N.")
final class PutCommand implements Callable<Integer> {
  @ParentCommand
  CairnCtl ctl;

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "KEY")
  String key;

  @Parameters(index = "1", paramLabel = "VALUE")
  String value;

  @Option(names = "--expect-version", paramLabel = "N",
      description = "Write only if the key's version is N (0: only if the key does not exist).")
  Long expectVersion;

  @Override
  public Integer call() {
    if (expectVersion != null && expectVersion < 0) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--expect-version is " + expectVersion + "; use 0 (must not exist) or a version the key had");
    }
    try (BlockingCairnClient client = ctl.openBlockingClient(spec)) {
      PutResult r = expectVersion == null ? client.put(key, value) : client.put(key, value, expectVersion);
      spec.commandLine().getOut().println("OK version=" + r.version());
      return ExitCodes.OK;
    }
  }
}

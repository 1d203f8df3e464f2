package io.cairn.cli;

import io.cairn.client.BlockingCairnClient;
import io.cairn.client.DeleteResult;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "delete", mixinStandardHelpOptions = true,
    description = "Deletes KEY; prints OK existed=true|false index=N.")
final class DeleteCommand implements Callable<Integer> {
  @ParentCommand
  CairnCtl ctl;

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "KEY")
  String key;

  @Option(names = "--expect-version", paramLabel = "N", description = "Delete only if the key's version is N.")
  Long expectVersion;

  @Override
  public Integer call() {
    if (expectVersion != null && expectVersion < 0) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--expect-version is " + expectVersion + "; use a version the key had");
    }
    try (BlockingCairnClient client = ctl.openBlockingClient(spec)) {
      DeleteResult r = expectVersion == null ? client.delete(key) : client.delete(key, expectVersion);
      spec.commandLine().getOut().println("OK existed=" + r.existed() + " index=" + r.index());
      return ExitCodes.OK;
    }
  }
}

package io.cairn.cli;

import io.cairn.client.BlockingCairnClient;
import io.cairn.client.DeleteResult;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
    name = "delete",
    mixinStandardHelpOptions = true,
    description =
        "Deletes KEY; prints OK existed=true|false index=N "
            + "(-o json: an object with key, encoding, existed and index).")
final class DeleteCommand implements Callable<Integer> {
  @ParentCommand CairnCtl ctl;

  @Spec CommandSpec spec;

  @Mixin EncodingOptions encoding;

  @Parameters(index = "0", paramLabel = "KEY")
  String key;

  @Option(
      names = "--expect-version",
      paramLabel = "N",
      description =
          "Delete only if the key's version is N; otherwise exit with 3 and the current version.")
  Long expectVersion;

  @Override
  public Integer call() {
    if (expectVersion != null && expectVersion < 0) {
      throw new ParameterException(
          spec.commandLine(),
          "--expect-version is " + expectVersion + "; use a version the key had");
    }
    byte[] k = encoding.decode("KEY", key);
    try (BlockingCairnClient client = ctl.openBlockingClient(spec)) {
      DeleteResult r = expectVersion == null ? client.delete(k) : client.delete(k, expectVersion);
      if (ctl.output() == OutputFormat.JSON) {
        JsonOutput.printKeyed(
            spec.commandLine().getOut(),
            encoding.encoding(),
            k,
            json -> json.name("existed").value(r.existed()).name("index").value(r.index()));
      } else {
        spec.commandLine().getOut().println("OK existed=" + r.existed() + " index=" + r.index());
      }
      return ExitCodes.OK;
    }
  }
}

package io.cairn.cli;

import io.cairn.client.BlockingCairnClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
    name = "cas",
    mixinStandardHelpOptions = true,
    description = {
      "Compare-and-set: sets KEY to NEW_VALUE only if its version is EXPECTED_VERSION (0: only if absent).",
      "Prints OK version=N (-o json: an object with key, encoding and version), or exits with 3 and the "
          + "current version.",
      "NEW_VALUE - reads the value from standard input, --value-file from FILE (raw bytes, up to 16 MiB)."
    })
final class CasCommand implements Callable<Integer> {
  @ParentCommand CairnCtl ctl;

  @Spec CommandSpec spec;

  @Mixin EncodingOptions encoding;

  @Mixin ValueOptions valueOptions;

  @Parameters(index = "0", paramLabel = "KEY")
  String key;

  @Parameters(index = "1", paramLabel = "EXPECTED_VERSION")
  long expectedVersion;

  @Parameters(
      index = "2",
      paramLabel = "NEW_VALUE",
      arity = "0..1",
      description = "The new value, or - to read it from standard input.")
  String newValue;

  @Override
  public Integer call() {
    if (expectedVersion < 0) {
      throw new ParameterException(
          spec.commandLine(),
          "EXPECTED_VERSION is "
              + expectedVersion
              + "; use 0 (must not exist) or a version the key had");
    }
    byte[] k = encoding.decode("KEY", key);
    byte[] v = valueOptions.read("NEW_VALUE", newValue, encoding, ctl.streams().in());
    try (BlockingCairnClient client = ctl.openBlockingClient(spec)) {
      long version = client.put(k, v, expectedVersion).version();
      if (ctl.output() == OutputFormat.JSON) {
        JsonOutput.printKeyed(
            spec.commandLine().getOut(),
            encoding.encoding(),
            k,
            json -> json.name("version").value(version));
      } else {
        spec.commandLine().getOut().println("OK version=" + version);
      }
      return ExitCodes.OK;
    }
  }
}

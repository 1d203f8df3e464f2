package io.cairn.cli;

import io.cairn.client.BlockingCairnClient;
import io.cairn.client.PutResult;
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
    name = "put",
    mixinStandardHelpOptions = true,
    description = {
      "Sets KEY to a value and prints the new version: OK version=N (-o json: an object with key, encoding "
          + "and version).",
      "The value is VALUE; with VALUE - it is read from standard input, with --value-file from FILE. "
          + "Standard input and files give the value's raw bytes in every encoding, up to 16 MiB. "
          + "A value that starts with '-' follows '--' (put -- KEY -x); a value of one dash: --hex 2d."
    })
final class PutCommand implements Callable<Integer> {
  @ParentCommand CairnCtl ctl;

  @Spec CommandSpec spec;

  @Mixin EncodingOptions encoding;

  @Mixin ValueOptions valueOptions;

  @Parameters(index = "0", paramLabel = "KEY")
  String key;

  @Parameters(
      index = "1",
      paramLabel = "VALUE",
      arity = "0..1",
      description = "The value, or - to read it from standard input.")
  String value;

  @Option(
      names = "--expect-version",
      paramLabel = "N",
      description = "Write only if the key's version is N (0: only if the key does not exist).")
  Long expectVersion;

  @Override
  public Integer call() {
    if (expectVersion != null && expectVersion < 0) {
      throw new ParameterException(
          spec.commandLine(),
          "--expect-version is "
              + expectVersion
              + "; use 0 (must not exist) or a version the key had");
    }
    byte[] k = encoding.decode("KEY", key);
    byte[] v = valueOptions.read("VALUE", value, encoding, ctl.streams().in());
    try (BlockingCairnClient client = ctl.openBlockingClient(spec)) {
      PutResult r = expectVersion == null ? client.put(k, v) : client.put(k, v, expectVersion);
      if (ctl.output() == OutputFormat.JSON) {
        JsonOutput.printKeyed(
            spec.commandLine().getOut(),
            encoding.encoding(),
            k,
            json -> json.name("version").value(r.version()));
      } else {
        spec.commandLine().getOut().println("OK version=" + r.version());
      }
      return ExitCodes.OK;
    }
  }
}

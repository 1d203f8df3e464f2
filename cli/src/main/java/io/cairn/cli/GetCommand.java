package io.cairn.cli;

import io.cairn.cli.bench.ReadConsistency;
import io.cairn.client.BlockingCairnClient;
import io.cairn.client.GetResult;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description = {
      "Writes KEY's value to stdout: exactly the stored bytes, nothing added (no newline). With --hex or "
          + "--base64, the encoded value and one newline; with -o json, an object with key, encoding, value and "
          + "version.",
      "Exits with 1 if the key does not exist."
    })
final class GetCommand implements Callable<Integer> {
  @ParentCommand CairnCtl ctl;

  @Spec CommandSpec spec;

  @Mixin EncodingOptions encoding;

  @Parameters(index = "0", paramLabel = "KEY")
  String key;

  @Option(
      names = "--consistency",
      paramLabel = "LEVEL",
      defaultValue = "linearizable",
      description = "linearizable (default), session or eventual.")
  ReadConsistency consistency;

  @Option(
      names = "--show-version",
      description =
          "Also print version=N, on stderr before the value, so stdout holds only the value "
              + "(-o json always has the version).")
  boolean showVersion;

  @Override
  public Integer call() {
    ByteEncoding enc = encoding.encoding();
    byte[] k = encoding.decode("KEY", key);
    try (BlockingCairnClient client = ctl.openBlockingClient(spec)) {
      GetResult r = client.get(k, consistency.proto());
      if (!r.found()) {
        spec.commandLine()
            .getErr()
            .println(ExitCodes.prefix("get") + "key " + enc.describe(k) + " not found");
        return ExitCodes.NOT_FOUND;
      }
      PrintWriter out = spec.commandLine().getOut();
      if (ctl.output() == OutputFormat.JSON) {
        JsonOutput.printKeyed(
            out,
            enc,
            k,
            json ->
                json.name("value")
                    .value(enc.inJson().encode(r.value()))
                    .name("version")
                    .value(r.version()));
        return ExitCodes.OK;
      }
      if (showVersion) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("version=" + r.version());
        err.flush();
      }
      if (enc == ByteEncoding.TEXT) {
        writeExactly(out, r.value());
      } else {
        out.print(enc.encode(r.value()) + "\n");
      }
      return ExitCodes.OK;
    }
  }

  /** The value's bytes, past picocli's character writer (whatever it held goes first). */
  private void writeExactly(PrintWriter out, byte[] value) {
    out.flush();
    OutputStream stdout = ctl.streams().out();
    try {
      stdout.write(value);
      stdout.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the value to stdout: " + e.getMessage(), e);
    }
  }
}

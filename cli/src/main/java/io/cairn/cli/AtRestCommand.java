package io.cairn.cli;

import io.cairn.cli.certs.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "at-rest",
    mixinStandardHelpOptions = true,
    description = {
      "Manages the key file of encryption at rest (at-rest.key-file, docs/security.md).",
      "Works on local files only; it talks to no cluster."
    },
    subcommands = {AtRestCommand.AddKey.class})
final class AtRestCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }

  @Command(
      name = "add-key",
      mixinStandardHelpOptions = true,
      description = {
        "Adds a new random AES-256 key to FILE (created owner-only if missing), with the next id,"
            + " and prints the id. Nodes encrypt new values with the highest id unless"
            + " at-rest.active-key-id says otherwise; keep the old keys, older values need them.",
        "To rotate: add the key, copy the file to every node and restart them one by one, then"
            + " (if at-rest.active-key-id is set) switch it on every node."
      })
  static final class AddKey implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--file", required = true, paramLabel = "FILE", description = "The key file.")
    Path file;

    @Override
    public Integer call() {
      var err = spec.commandLine().getErr();
      try {
        List<String> lines =
            Files.exists(file)
                ? new ArrayList<>(Files.readAllLines(file, StandardCharsets.US_ASCII))
                : new ArrayList<>(
                    List.of("# Cairn at-rest keys: ID=BASE64, AES-256. Keep owner-only."));
        int next = 1;
        for (String line : lines) {
          String t = line.trim();
          int eq = t.indexOf('=');
          if (t.isEmpty() || t.startsWith("#")) {
            continue;
          }
          try {
            next = Math.max(next, Integer.parseInt(t.substring(0, Math.max(eq, 0)).trim()) + 1);
          } catch (NumberFormatException e) {
            err.println(
                ExitCodes.prefix("at-rest add-key")
                    + file
                    + " has a line that is not ID=BASE64; fix it by hand first");
            return ExitCodes.OTHER;
          }
        }
        if (next > 255) {
          err.println(ExitCodes.prefix("at-rest add-key") + file + " already uses key id 255");
          return ExitCodes.REFUSED;
        }
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        lines.add(next + "=" + Base64.getEncoder().encodeToString(key));
        AtomicFiles.write(file, String.join("\n", lines) + "\n", "rw-------");
        spec.commandLine().getOut().println("added at-rest key " + next + " to " + file);
        return ExitCodes.OK;
      } catch (IOException e) {
        err.println(ExitCodes.prefix("at-rest add-key") + OneLine.of(String.valueOf(e)));
        return ExitCodes.OTHER;
      }
    }
  }
}

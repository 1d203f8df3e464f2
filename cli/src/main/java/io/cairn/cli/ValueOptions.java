package io.cairn.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Where {@code put} and {@code cas} take the value from: the VALUE argument (in the chosen
 * encoding), standard input when VALUE is {@code -}, or {@code --value-file}. Standard input and
 * files hold the value's raw bytes in every encoding: they carry any bytes already, and a value too
 * long for the command line (the kernel refuses arguments over 128 KiB) has to come that way.
 */
final class ValueOptions {
  /**
   * The most cairnctl reads: the highest {@code limits.value-bytes-max} a node accepts
   * (NodeConfigLoader). The cluster refuses what is over its own, possibly lower, limit.
   */
  static final int VALUE_BYTES_MAX = 16 << 20;

  @Option(
      names = "--value-file",
      paramLabel = "FILE",
      description =
          "Read the value from FILE (its raw bytes, whatever the encoding) instead of giving it on the command line.")
  Path valueFile;

  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  /**
   * The value: from {@code valueArg} (the argument called {@code label}; {@code -} reads {@code
   * stdin}), or from --value-file. Giving both or neither, an unreadable file and a value over
   * {@link #VALUE_BYTES_MAX} are usage errors.
   */
  byte[] read(String label, String valueArg, EncodingOptions encoding, InputStream stdin) {
    if (valueArg != null && valueFile != null) {
      throw usage(label + " and --value-file both give the value; use one of them");
    }
    if (valueArg == null && valueFile == null) {
      throw usage(
          "missing the value: give "
              + label
              + ", - to read it from standard input, or --value-file FILE");
    }
    if (valueFile != null) {
      try (InputStream in = Files.newInputStream(valueFile)) {
        return readBounded(in, "--value-file '" + valueFile + "'");
      } catch (NoSuchFileException e) {
        throw usage("cannot read --value-file '" + valueFile + "': no such file");
      } catch (AccessDeniedException e) {
        throw usage("cannot read --value-file '" + valueFile + "': permission denied");
      } catch (IOException e) {
        throw usage("cannot read --value-file '" + valueFile + "': " + e.getMessage());
      }
    }
    if (valueArg.equals("-")) {
      try {
        return readBounded(stdin, "standard input");
      } catch (IOException e) {
        throw usage("cannot read the value from standard input: " + e.getMessage());
      }
    }
    return encoding.decode(label, valueArg);
  }

  private byte[] readBounded(InputStream in, String source) throws IOException {
    byte[] bytes = in.readNBytes(VALUE_BYTES_MAX + 1);
    if (bytes.length > VALUE_BYTES_MAX) {
      throw usage(
          source
              + " holds more than "
              + VALUE_BYTES_MAX
              + " bytes (16 MiB), more than any node accepts "
              + "(limits.value-bytes-max)");
    }
    return bytes;
  }

  private ParameterException usage(String message) {
    return new ParameterException(command.commandLine(), message);
  }
}

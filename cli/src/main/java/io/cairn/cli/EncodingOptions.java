package io.cairn.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code --hex} and {@code --base64}, mixed into every command that takes or prints a key or value.
 */
final class EncodingOptions {
  @Option(
      names = "--hex",
      description =
          "Keys and values on the command line and in the output are hex (e.g. 6bff), so any bytes can be named.")
  boolean hex;

  @Option(
      names = "--base64",
      description = "Keys and values on the command line and in the output are base64 (e.g. a/8=).")
  boolean base64;

  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  /** The chosen encoding; TEXT (UTF-8) without either option. */
  ByteEncoding encoding() {
    if (hex && base64) {
      throw new ParameterException(
          command.commandLine(), "--hex and --base64 exclude each other; choose one");
    }
    return hex ? ByteEncoding.HEX : base64 ? ByteEncoding.BASE64 : ByteEncoding.TEXT;
  }

  /**
   * The bytes argument {@code label} spells in the chosen encoding; a usage error if it spells
   * none.
   */
  byte[] decode(String label, String arg) {
    ByteEncoding encoding = encoding();
    try {
      return encoding.decode(label, arg);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(command.commandLine(), e.getMessage(), e);
    }
  }
}

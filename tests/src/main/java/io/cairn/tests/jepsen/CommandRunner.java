package io.cairn.tests.jepsen;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a short system command (ip, iptables, tc, the lab script) with a time bound and captures its
 * output. A command that does not finish in time is killed and counts as failed.
 */
final class CommandRunner {

  /** The exit status (-1 after a timeout) and the combined stdout/stderr. */
  record Result(List<String> command, int exitStatus, String output) {
    boolean ok() {
      return exitStatus == 0;
    }

    /** This result, or an exception naming the command, its status and output. */
    Result orThrow() {
      if (!ok()) {
        throw new IllegalStateException(
            "command failed (exit "
                + exitStatus
                + "): "
                + String.join(" ", command)
                + (output.isBlank() ? "" : "\n" + output.strip()));
      }
      return this;
    }
  }

  private CommandRunner() {}

  static Result run(Duration timeout, List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      // Output is small (a few lines); read it after exit, bounded by the timeout below.
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
        return new Result(command, -1, "timed out after " + timeout.toMillis() + " ms");
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return new Result(command, p.exitValue(), out);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
    }
  }

  static Result run(Duration timeout, String... command) {
    return run(timeout, List.of(command));
  }
}

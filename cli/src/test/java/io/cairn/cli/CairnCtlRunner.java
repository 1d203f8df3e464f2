package io.cairn.cli;

import io.cairn.client.FakeCluster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs cairnctl in-process against a {@link FakeCluster}, the way {@link CairnCtl#main} runs it:
 * arguments and standard input in; exit code, stdout's bytes and stderr out.
 */
final class CairnCtlRunner {
  /** One run: stdout as bytes (get writes raw values), stderr as text. */
  record Run(int code, byte[] stdout, String err) {
    String out() {
      return new String(stdout, StandardCharsets.UTF_8);
    }

    List<String> errLines() {
      return err.lines().toList();
    }
  }

  private final FakeCluster cluster;

  CairnCtlRunner(FakeCluster cluster) {
    this.cluster = cluster;
  }

  /** {@code cairnctl --endpoints <the fake cluster's> args...}, with nothing on stdin. */
  Run run(String... args) {
    return runWithStdin(new ByteArrayInputStream(new byte[0]), args);
  }

  /** {@code cairnctl --endpoints <the fake cluster's> args...}, reading {@code stdin}. */
  Run runWithStdin(byte[] stdin, String... args) {
    return runWithStdin(new ByteArrayInputStream(stdin), args);
  }

  Run runWithStdin(InputStream stdin, String... args) {
    List<String> all =
        new ArrayList<>(List.of("--endpoints", String.join(",", cluster.endpoints())));
    all.addAll(List.of(args));
    return execute(stdin, all.toArray(String[]::new));
  }

  /** {@code cairnctl args...} exactly as given (no endpoints added). */
  Run execute(InputStream stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        CairnCtl.execute(
            CairnCtl.commandLine(cluster.channelFactory(), new StdStreams(stdin, out, err)), args);
    return new Run(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
  }

  Run execute(String... args) {
    return execute(new ByteArrayInputStream(new byte[0]), args);
  }

  /** The N of the first version=N in {@code text} (put, cas and get --show-version print one). */
  static long versionIn(String text) {
    Matcher m = Pattern.compile("version=(\\d+)").matcher(text);
    if (!m.find()) {
      throw new AssertionError("no version=N in: " + text);
    }
    return Long.parseLong(m.group(1));
  }
}

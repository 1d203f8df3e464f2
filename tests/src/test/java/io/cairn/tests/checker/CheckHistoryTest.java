package io.cairn.tests.checker;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.tests.history.History;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckHistoryTest {

  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return CheckHistory.run(
        args,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private Path save(HistoryScript script) throws IOException {
    Path file = dir.resolve("history.jsonl");
    script.history().writeTo(file);
    return file;
  }

  @Test
  void aValidHistoryFilePrintsEveryCheckerAndExitsZero() throws IOException {
    Path file = save(new HistoryScript().putOk(1, "k", "a", 0, 1, 1).getOk(2, "k", 2, 3, "a", 1));

    int status = run(file.toString());

    assertThat(status).isEqualTo(CheckHistory.EXIT_VALID);
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("2 operations")
        .contains("verdict: VALID")
        .contains("linearizability: VALID")
        .contains("lost writes: VALID")
        .contains("session reads: VALID")
        .contains("eventual reads: VALID");
  }

  @Test
  void aKeptFailingHistoryIsJudgedInvalidAgain() throws IOException {
    HistoryScript stale =
        new HistoryScript()
            .putOk(1, "k", "a", 0, 1, 1)
            .putOk(1, "k", "b", 2, 3, 2)
            .getOk(2, "k", 4, 5, "a", 1);
    Path file = save(stale);

    int status = run(file.toString());

    assertThat(status).isEqualTo(CheckHistory.EXIT_INVALID);
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("verdict: INVALID")
        .contains("key \"k\": not linearizable");
    assertThat(History.readFrom(file)).isEqualTo(stale.history());
  }

  @Test
  void aTightStateLimitMakesTheVerdictUnknown() throws IOException {
    HistoryScript h = new HistoryScript();
    for (int p = 0; p < 6; p++) {
      h.putInfo(p, "k", "v" + p, p, 50 + p);
    }
    h.getOk(9, "k", 100, 101, "v0", 1).getOk(9, "k", 102, 103, "v1", 2);
    Path file = save(h);

    int status = run("--max-states", "3", file.toString());

    assertThat(status).isEqualTo(CheckHistory.EXIT_UNKNOWN);
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("verdict: UNKNOWN");
  }

  @Test
  void badUsageAndUnreadableFilesExitWith64() throws IOException {
    Path garbage = Files.writeString(dir.resolve("bad.jsonl"), "not json\n");

    assertThat(run()).isEqualTo(CheckHistory.EXIT_USAGE);
    assertThat(run("--max-states")).isEqualTo(CheckHistory.EXIT_USAGE);
    assertThat(run("--max-states", "lots", "x")).isEqualTo(CheckHistory.EXIT_USAGE);
    assertThat(run(dir.resolve("missing.jsonl").toString())).isEqualTo(CheckHistory.EXIT_USAGE);
    assertThat(run(garbage.toString())).isEqualTo(CheckHistory.EXIT_USAGE);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("usage: CheckHistory")
        .contains("history line 1");
  }
}

package io.cairn.tests.jepsen;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskFullTest {
  @TempDir Path dir;

  @Test
  void onlyAFatalLineWrittenAfterTheFillCounts() throws Exception {
    Path log = dir.resolve("node.log");
    Files.writeString(
        log,
        "12:00:01 [main] ERROR NodeRuntime - FATAL: shard 1: its Raft log cannot be written\n"
            + "12:00:05 [main] INFO Main - node n2 started\n");
    long offset = Files.size(log);

    assertThat(DiskFull.firstFatalLine(log, offset))
        .as("the node's previous stop, before this episode's fill")
        .isNull();

    Files.writeString(
        log,
        "12:01:00 [worker] ERROR NodeRuntime - FATAL: shard 2: its Raft log cannot be written"
            + " (java.io.IOException: No space left on device)\n"
            + "cairn-node: FATAL: shard 2: its Raft log cannot be written\n",
        java.nio.file.StandardOpenOption.APPEND);

    assertThat(DiskFull.firstFatalLine(log, offset))
        .isEqualTo(
            "FATAL: shard 2: its Raft log cannot be written"
                + " (java.io.IOException: No space left on device)");
  }
}

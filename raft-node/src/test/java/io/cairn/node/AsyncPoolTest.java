package io.cairn.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link AsyncPool} in a fresh JVM that sees two cores, as on the development VM: without it,
 * CompletableFuture's async steps start a thread each; with it they run on common-pool workers. A
 * fresh JVM because the setting only works before the pool initialises.
 */
class AsyncPoolTest {

  /** Prints the common pool's parallelism and the kind of thread an async step ran on. */
  public static final class Probe {
    public static void main(String[] args) throws Exception {
      int parallelism =
          args.length > 0 && args[0].equals("configure")
              ? AsyncPool.configure()
              : java.util.concurrent.ForkJoinPool.getCommonPoolParallelism();
      Thread ranOn = CompletableFuture.supplyAsync(Thread::currentThread).get(10, TimeUnit.SECONDS);
      System.out.println(
          parallelism + " " + (ranOn instanceof ForkJoinWorkerThread ? "pool" : "own-thread"));
    }
  }

  @Test
  void twoCoresWithoutItStartAThreadPerAsyncStep() throws Exception {
    assertThat(probe(List.of(), false)).isEqualTo("1 own-thread");
  }

  @Test
  void configureGivesTheCommonPoolWorkersOnTwoCores() throws Exception {
    assertThat(probe(List.of(), true)).isEqualTo(AsyncPool.PARALLELISM_MIN + " pool");
  }

  @Test
  void anOperatorsOwnSettingIsKept() throws Exception {
    assertThat(probe(List.of("-D" + AsyncPool.PARALLELISM_PROPERTY + "=7"), true))
        .isEqualTo("7 pool");
  }

  private static String probe(List<String> jvmOptions, boolean configure)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:ActiveProcessorCount=2");
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Probe.class.getName()));
    if (configure) {
      cmd.add("configure");
    }
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }
}

package io.cairn.node;

import io.cairn.node.config.ConfigException;
import io.cairn.node.config.NodeConfig;
import io.cairn.node.config.NodeConfigLoader;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Starts one Cairn node: {@code cairn-node --config node.properties [--set key=value]...}. */
@Command(
    name = "cairn-node",
    mixinStandardHelpOptions = true,
    description =
        "Runs one Cairn node. Every config key is documented in config/node.properties.sample.")
public final class Main implements Callable<Integer> {
  @Option(names = "--config", description = "Properties file with the node's configuration.")
  Path configFile;

  @Option(
      names = "--set",
      description = "Overrides one config key, e.g. --set node.id=n2. Repeatable.")
  Map<String, String> overrides = new LinkedHashMap<>();

  @Override
  public Integer call() throws Exception {
    NodeConfig config;
    try {
      config = NodeConfigLoader.load(configFile, System.getenv(), overrides);
    } catch (ConfigException e) {
      System.err.println("cairn-node: " + e.getMessage());
      return 2;
    }
    System.out.println("cairn-node starting with " + config);
    CairnNode node;
    try {
      node = CairnNode.start(config);
    } catch (Exception e) {
      System.err.println("cairn-node: failed to start: " + e);
      e.printStackTrace();
      // Ratis threads are not daemons: exit explicitly or the JVM lingers half-started.
      Runtime.getRuntime().halt(1);
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("cairn-node " + config.nodeId() + ": shutting down");
                  node.close();
                  stopped.countDown();
                },
                "cairn-shutdown"));
    stopped.await();
    return 0;
  }

  public static void main(String[] args) {
    // First, before Ratis or anything else touches the common pool (see AsyncPool).
    int parallelism = AsyncPool.configure();
    if (parallelism < 2) {
      System.err.println(
          "cairn-node: warning: the common ForkJoinPool has parallelism "
              + parallelism
              + ", so CompletableFuture starts a thread per async task; set -D"
              + AsyncPool.PARALLELISM_PROPERTY
              + "=4 or higher");
    }
    NettyLeakDetection.configure();
    int code = new CommandLine(new Main()).execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }
}

package io.cairn.tests.bench;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import io.cairn.cli.bench.BenchPlan;
import io.cairn.cli.bench.BenchReport;
import io.cairn.cli.bench.BenchRunner;
import io.cairn.cli.bench.KvOps;
import io.cairn.cli.bench.ReadConsistency;
import io.cairn.proto.Consistency;
import io.cairn.tests.bench.etcd.KVGrpc;
import io.cairn.tests.bench.etcd.PutRequest;
import io.cairn.tests.bench.etcd.RangeRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Drives etcd 3.4 with Cairn's own benchmark runner (same closed loop, same histograms, same key
 * and value shapes as {@code cairnctl bench}), so the two stores are compared under one load
 * generator. Reads are etcd's default linearizable Range (serializable=false).
 */
@Command(name = "etcd-bench", mixinStandardHelpOptions = true)
public final class EtcdBench implements Callable<Integer> {
  @Option(names = "--endpoints", split = ",", required = true)
  List<String> endpoints;

  @Option(names = "--clients", defaultValue = "16")
  int clients;

  @Option(names = "--duration-s", defaultValue = "20")
  double durationS;

  @Option(names = "--warmup-s", defaultValue = "5")
  double warmupS;

  @Option(names = "--workload", defaultValue = "put")
  BenchPlan.Workload workload;

  @Option(names = "--read-ratio", defaultValue = "0.5")
  double readRatio;

  @Option(names = "--keys", defaultValue = "100000")
  int keys;

  @Option(names = "--key-bytes", defaultValue = "16")
  int keyBytes;

  @Option(names = "--value-bytes", defaultValue = "256")
  int valueBytes;

  @Option(names = "--preload")
  boolean preload;

  /** linearizable: etcd's default Range; eventual (or session): a serializable Range. */
  @Option(names = "--consistency", defaultValue = "linearizable")
  ReadConsistency consistency;

  @Option(names = "--seed", defaultValue = "1")
  long seed;

  @Override
  public Integer call() throws Exception {
    List<ManagedChannel> channels = new ArrayList<>();
    for (String e : endpoints) {
      // Callbacks on the transport thread, as Cairn's client runs them (ChannelFactory): the same
      // load generator for both stores, and neither pays a thread hand-off per answer.
      channels.add(NettyChannelBuilder.forTarget(e).usePlaintext().directExecutor().build());
    }
    try {
      BenchPlan plan =
          new BenchPlan(
              clients,
              durationS,
              warmupS,
              workload,
              readRatio,
              keys,
              keyBytes,
              valueBytes,
              consistency,
              preload,
              seed,
              Math.min(clients, channels.size()));
      BenchReport report =
          new BenchRunner(
                  plan,
                  ops(channels),
                  System::nanoTime,
                  () -> {
                    System.out.println(BenchReport.WINDOW_STARTED);
                    System.out.flush();
                  })
              .run();
      System.out.print(report.render());
      return 0;
    } finally {
      channels.forEach(ManagedChannel::shutdownNow);
    }
  }

  /** Worker w talks to member w mod n, as etcd's own client spreads connections. */
  static KvOps ops(List<ManagedChannel> channels) {
    List<KVGrpc.KVFutureStub> stubs = channels.stream().map(KVGrpc::newFutureStub).toList();
    return new KvOps() {
      @Override
      public CompletableFuture<?> put(int worker, byte[] key, byte[] value) {
        return toCompletable(
            stubs
                .get(worker % stubs.size())
                .put(
                    PutRequest.newBuilder()
                        .setKey(ByteString.copyFrom(key))
                        .setValue(ByteString.copyFrom(value))
                        .build()));
      }

      @Override
      public CompletableFuture<?> get(int worker, byte[] key, Consistency consistency) {
        return toCompletable(
            stubs
                .get(worker % stubs.size())
                .range(
                    RangeRequest.newBuilder()
                        .setKey(ByteString.copyFrom(key))
                        .setSerializable(consistency != Consistency.LINEARIZABLE)
                        .build()));
      }
    };
  }

  private static <T> CompletableFuture<T> toCompletable(ListenableFuture<T> f) {
    CompletableFuture<T> c = new CompletableFuture<>();
    Futures.addCallback(
        f,
        new FutureCallback<>() {
          @Override
          public void onSuccess(T result) {
            c.complete(result);
          }

          @Override
          public void onFailure(Throwable t) {
            c.completeExceptionally(t);
          }
        },
        MoreExecutors.directExecutor());
    return c;
  }

  public static void main(String[] args) {
    System.exit(
        new CommandLine(new EtcdBench()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
  }
}

package io.cairn.cli.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * What one benchmark run does, validated: {@code clients} closed-loop workers (each with one
 * request outstanding) run for {@code warmupS} unrecorded seconds and then {@code durationS}
 * recorded ones, over keys {@code 0..keys-1} written as {@code keyBytes}-byte strings.
 */
public record BenchPlan(
    int clients,
    double durationS,
    double warmupS,
    Workload workload,
    double readRatio,
    int keys,
    int keyBytes,
    int valueBytes,
    ReadConsistency consistency,
    boolean preload,
    long seed,
    int clientInstances) {
  /** put: only writes; get: only reads; mix: reads with probability read-ratio. */
  public enum Workload {
    PUT,
    GET,
    MIX
  }

  public static final int VALUE_BYTES_MAX = 1024 * 1024;
  public static final int KEY_BYTES_MAX = 4096;

  public BenchPlan {
    List<String> problems = new ArrayList<>();
    if (clients < 1 || clients > 10_000) {
      problems.add("--clients is " + clients + "; use 1..10000");
    }
    if (!(durationS > 0) || durationS > 86_400) {
      problems.add("--duration-s is " + durationS + "; use more than 0 and at most 86400");
    }
    if (!(warmupS >= 0) || warmupS > 86_400) {
      problems.add("--warmup-s is " + warmupS + "; use 0..86400");
    }
    if (!(readRatio >= 0 && readRatio <= 1)) {
      problems.add("--read-ratio is " + readRatio + "; use 0..1");
    }
    if (keys < 1) {
      problems.add("--keys is " + keys + "; use at least 1");
    }
    int digits = String.valueOf(Math.max(0, keys - 1)).length();
    if (keyBytes < digits + 1 || keyBytes > KEY_BYTES_MAX) {
      problems.add(
          "--key-bytes is "
              + keyBytes
              + "; "
              + keys
              + " keys need "
              + (digits + 1)
              + ".."
              + KEY_BYTES_MAX);
    }
    if (valueBytes < 0 || valueBytes > VALUE_BYTES_MAX) {
      problems.add("--value-bytes is " + valueBytes + "; use 0.." + VALUE_BYTES_MAX);
    }
    if (clientInstances < 1 || clientInstances > clients) {
      problems.add("--client-instances is " + clientInstances + "; use 1..--clients");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
  }

  /** The probability that an operation is a read. */
  public double effectiveReadRatio() {
    return switch (workload) {
      case PUT -> 0;
      case GET -> 1;
      case MIX -> readRatio;
    };
  }

  /** The key with index {@code i}: 'k' and the zero-padded decimal index, {@code keyBytes} long. */
  public byte[] key(int i) {
    byte[] key = new byte[keyBytes];
    java.util.Arrays.fill(key, (byte) '0');
    key[0] = 'k';
    int pos = keyBytes - 1;
    int n = i;
    do {
      key[pos--] = (byte) ('0' + n % 10);
      n /= 10;
    } while (n > 0);
    return key;
  }
}

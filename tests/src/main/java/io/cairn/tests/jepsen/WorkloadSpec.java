package io.cairn.tests.jepsen;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

/**
 * What a {@link Workload} does: how many concurrent processes, over which keys, with which
 * operation mix, seed, per-operation deadline and pacing.
 *
 * @param processes concurrent client processes, each with its own client (session, write ids)
 * @param keys the keys; few, so that operations collide
 * @param mix the operation weights
 * @param seed process i draws from {@code new Random(seed * 1_000_003 + i)}
 * @param opDeadline a client's whole deadline for one operation, across its retries
 * @param pauseMax each process pauses a random 0..pauseMax between operations
 */
public record WorkloadSpec(
    int processes,
    List<String> keys,
    OpMix mix,
    long seed,
    Duration opDeadline,
    Duration pauseMax) {

  public WorkloadSpec {
    if (processes < 1 || processes > 64) {
      throw new IllegalArgumentException("processes must be 1..64, got " + processes);
    }
    keys = List.copyOf(keys);
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("a workload needs at least one key");
    }
    if (opDeadline.isNegative() || opDeadline.isZero() || pauseMax.isNegative()) {
      throw new IllegalArgumentException("opDeadline must be > 0 and pauseMax >= 0");
    }
  }

  /** {@code count} keys named {@code k0..k<count-1>}. */
  public static List<String> keys(int count) {
    return keys("k", count);
  }

  /**
   * {@code count} keys named {@code <prefix>0..}; histories recorded one after another on the same
   * cluster need keys of their own, or values of the earlier history show up in the later one.
   */
  public static List<String> keys(String prefix, int count) {
    return IntStream.range(0, count).mapToObj(i -> prefix + i).toList();
  }

  /** Defaults for a chaos run: 5 processes over 6 keys, 3 s deadlines, up to 10 ms pauses. */
  public static WorkloadSpec standard(long seed) {
    return new WorkloadSpec(
        5, keys(6), OpMix.DEFAULT, seed, Duration.ofSeconds(3), Duration.ofMillis(10));
  }

  public WorkloadSpec withProcesses(int n) {
    return new WorkloadSpec(n, keys, mix, seed, opDeadline, pauseMax);
  }

  public WorkloadSpec withKeys(List<String> newKeys) {
    return new WorkloadSpec(processes, newKeys, mix, seed, opDeadline, pauseMax);
  }

  public WorkloadSpec withMix(OpMix newMix) {
    return new WorkloadSpec(processes, keys, newMix, seed, opDeadline, pauseMax);
  }

  /** The seed of process {@code process}'s random. */
  long processSeed(int process) {
    return seed * 1_000_003L + process;
  }
}

package io.cairn.tests.jepsen;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The seeded schedule of a chaos run: a list of episodes, each a quiet gap followed by one fault,
 * or two combined (one network, one process fault), held for a bounded time and then healed.
 *
 * <p>Enabled faults are dealt round-robin from a seeded shuffle, so a run long enough for as many
 * episodes as there are faults injects each at least once. With {@code combine}, every second
 * episode pairs its fault with one of the other group (network with process), when both groups are
 * enabled; the network fault is applied first. Whole-cluster restarts and disk faults (wipe, full)
 * are never combined ({@link Fault#isAlone}); restarts are held short.
 *
 * <p>Which node a fault hits is decided when it runs (the leader is whoever leads then); the random
 * choices among nodes come from the episode's {@code targetSeed}, so a replay with the same seed
 * makes the same choices in the same situations.
 */
public final class FaultPlan {

  /** One episode: wait {@code gapBefore}, apply {@code faults}, hold {@code hold}, heal. */
  public record Episode(
      int number, Duration gapBefore, List<Fault> faults, Duration hold, long targetSeed) {
    public Episode {
      faults = List.copyOf(faults);
    }

    /** Nominal length of the episode, without the time healing takes. */
    Duration length() {
      return gapBefore.plus(hold);
    }

    @Override
    public String toString() {
      return "episode "
          + number
          + ": "
          + faults
          + " for "
          + hold.toMillis()
          + " ms after "
          + gapBefore.toMillis()
          + " ms quiet";
    }
  }

  static final Duration WARMUP = Duration.ofSeconds(3);

  private FaultPlan() {}

  /** Episodes whose nominal lengths fit in {@code duration}. */
  public static List<Episode> generate(
      long seed, Duration duration, Set<Fault> enabled, boolean combine) {
    if (enabled.isEmpty()) {
      throw new IllegalArgumentException("no faults enabled");
    }
    Random random = new Random(seed);
    List<Fault> deck = new ArrayList<>(enabled);
    deck.sort(
        null); // enum order first, so the shuffle alone decides (Set iteration order must not)
    Collections.shuffle(deck, random);
    List<Fault> network = deck.stream().filter(f -> f.category().isNetwork()).toList();
    List<Fault> process =
        deck.stream().filter(f -> !f.category().isNetwork() && !f.isAlone()).toList();

    List<Episode> episodes = new ArrayList<>();
    Duration used = Duration.ZERO;
    for (int n = 0; ; n++) {
      Fault first = deck.get(n % deck.size());
      List<Fault> faults = new ArrayList<>(List.of(first));
      boolean pair = combine && n % 2 == 1 && !first.isAlone();
      if (pair) {
        List<Fault> others = first.category().isNetwork() ? process : network;
        if (!others.isEmpty()) {
          faults.add(others.get(random.nextInt(others.size())));
          // The network fault goes first: its partition is proven while every node still runs.
          faults.sort(
              (x, y) -> Boolean.compare(y.category().isNetwork(), x.category().isNetwork()));
        }
      }
      Duration gap = n == 0 ? WARMUP : millis(random, 2_000, 4_000);
      Duration hold =
          first.category() == Fault.Category.RESTART
              ? millis(random, 1_000, 3_000)
              : millis(random, 4_000, 9_000);
      Episode episode = new Episode(n + 1, gap, faults, hold, random.nextLong());
      if (used.plus(episode.length()).compareTo(duration) > 0) {
        return episodes;
      }
      episodes.add(episode);
      used = used.plus(episode.length());
    }
  }

  /**
   * Exactly {@code faults}, one per episode in that order, each after a quiet gap of 3-6 s and held
   * 3-6 s (a membership change's episode lasts until its change is done; see {@link Fault}).
   */
  public static List<Episode> scripted(long seed, List<Fault> faults) {
    Random random = new Random(seed);
    List<Episode> episodes = new ArrayList<>();
    for (int n = 0; n < faults.size(); n++) {
      Duration gap = n == 0 ? WARMUP : millis(random, 3_000, 6_000);
      episodes.add(
          new Episode(
              n + 1, gap, List.of(faults.get(n)), millis(random, 3_000, 6_000), random.nextLong()));
    }
    return episodes;
  }

  private static Duration millis(Random random, int min, int max) {
    return Duration.ofMillis(min + random.nextInt(max - min + 1));
  }
}

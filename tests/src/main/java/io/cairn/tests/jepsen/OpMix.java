package io.cairn.tests.jepsen;

import io.cairn.tests.history.Op;
import io.cairn.tests.history.ReadConsistency;
import java.util.Random;

/**
 * The relative weights of the operations a workload process issues, and the seeded choice among
 * them. Reads of all three consistencies, unconditional and compare-and-set writes, so that the
 * linearizability, session and eventual checkers all get material and compare-and-set chains
 * produce VERSION_MISMATCH observations.
 */
public record OpMix(
    int linearizableGets,
    int sessionGets,
    int eventualGets,
    int puts,
    int casPuts,
    int deletes,
    int casDeletes) {

  /**
   * Writes slightly outnumber reads so that values keep changing under the readers; deletes are
   * rare enough that most reads find a value.
   */
  public static final OpMix DEFAULT = new OpMix(20, 10, 10, 22, 22, 6, 10);

  public OpMix {
    int[] weights = {
      linearizableGets, sessionGets, eventualGets, puts, casPuts, deletes, casDeletes
    };
    int total = 0;
    for (int w : weights) {
      if (w < 0) {
        throw new IllegalArgumentException("op mix weights must be >= 0, got " + w);
      }
      total += w;
    }
    if (total == 0) {
      throw new IllegalArgumentException(
          "op mix weights are all 0; give at least one kind of operation a weight");
    }
  }

  private int total() {
    return linearizableGets + sessionGets + eventualGets + puts + casPuts + deletes + casDeletes;
  }

  /**
   * The next operation on {@code key}.
   *
   * @param freshValue the value a put would write; must be unique per write in the history
   * @param expectedVersion the version a compare-and-set expects (what the process last saw of the
   *     key, 0 when it saw nothing or saw it absent)
   */
  public Op choose(Random random, String key, String freshValue, long expectedVersion) {
    int pick = random.nextInt(total());
    if ((pick -= linearizableGets) < 0) {
      return Op.get(key, ReadConsistency.LINEARIZABLE);
    }
    if ((pick -= sessionGets) < 0) {
      return Op.get(key, ReadConsistency.SESSION);
    }
    if ((pick -= eventualGets) < 0) {
      return Op.get(key, ReadConsistency.EVENTUAL);
    }
    if ((pick -= puts) < 0) {
      return Op.put(key, freshValue);
    }
    if ((pick -= casPuts) < 0) {
      return Op.putCas(key, freshValue, expectedVersion);
    }
    if ((pick -= deletes) < 0) {
      return Op.delete(key);
    }
    return Op.deleteCas(key, expectedVersion);
  }
}

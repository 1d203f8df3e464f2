package io.cairn.tests.checker;

import io.cairn.tests.history.History;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Re-checks a history file written by {@link History#writeTo(Path)} and prints the verdict:
 *
 * <pre>
 * java -cp ... io.cairn.tests.checker.CheckHistory [--max-states N] [--max-seconds S] history.jsonl
 * </pre>
 *
 * Exit status: 0 valid, 1 invalid, 2 unknown (a search limit was hit), 64 bad usage or unreadable
 * file.
 */
public final class CheckHistory {

  static final int EXIT_VALID = 0;
  static final int EXIT_INVALID = 1;
  static final int EXIT_UNKNOWN = 2;
  static final int EXIT_USAGE = 64;

  private static final String USAGE =
      "usage: CheckHistory [--max-states N] [--max-seconds S] <history.jsonl>";

  private CheckHistory() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Does what {@link #main} does, returning the exit status instead of exiting. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    long maxStates = SearchLimits.DEFAULT.maxStatesPerKey();
    Duration maxTime = SearchLimits.DEFAULT.maxTimePerKey();
    Path file = null;
    try {
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--max-states" -> maxStates = Long.parseLong(value(args, ++i));
          case "--max-seconds" -> maxTime = Duration.ofSeconds(Long.parseLong(value(args, ++i)));
          default -> {
            if (args[i].startsWith("--") || file != null) {
              throw new IllegalArgumentException("unexpected argument " + args[i]);
            }
            file = Path.of(args[i]);
          }
        }
      }
      if (file == null) {
        throw new IllegalArgumentException("no history file given");
      }
      SearchLimits limits = new SearchLimits(maxStates, maxTime);
      History history = History.readFrom(file);
      out.println(file + ": " + history.size() + " operations");
      CheckReport report = CheckerSuite.standard(limits, System::nanoTime).check(history);
      out.println(report);
      return switch (report.verdict()) {
        case VALID -> EXIT_VALID;
        case INVALID -> EXIT_INVALID;
        case UNKNOWN -> EXIT_UNKNOWN;
      };
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      err.println(USAGE);
      return EXIT_USAGE;
    } catch (IOException e) {
      err.println("cannot read the history: " + e.getMessage());
      return EXIT_USAGE;
    }
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      throw new IllegalArgumentException(args[i - 1] + " needs a value");
    }
    return args[i];
  }
}

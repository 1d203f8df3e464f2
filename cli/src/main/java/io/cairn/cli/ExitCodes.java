package io.cairn.cli;

import io.cairn.client.CairnException;
import io.cairn.client.DeadlineExceededException;
import io.cairn.client.UnavailableException;
import io.cairn.client.VersionMismatchException;
import java.io.PrintWriter;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * cairnctl's exit codes, and the one place where a failure becomes an exit code and a single
 * line on stderr. {@link CairnCtl}'s {@code exitCodeList} documents them in {@code --help}.
 */
final class ExitCodes {
  static final int OK = 0;
  static final int NOT_FOUND = 1;
  static final int USAGE = 2;
  static final int VERSION_MISMATCH = 3;
  static final int UNAVAILABLE = 4;
  static final int OTHER = 5;

  private ExitCodes() {}

  /** Prints one line about {@code failure} to {@code err} and returns the exit code for it. */
  static int report(Throwable failure, PrintWriter err) {
    Throwable e = failure;
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    int code;
    String line;
    if (e instanceof VersionMismatchException vm) {
      code = VERSION_MISMATCH;
      line = oneLine(vm.getMessage()) + " [current version=" + vm.currentVersion()
          + (vm.exists() ? "" : ", the key does not exist") + "]";
    } else if (e instanceof UnavailableException || e instanceof DeadlineExceededException) {
      code = UNAVAILABLE;
      line = oneLine(e.getMessage());
    } else if (e instanceof CairnException ce) {
      code = OTHER;
      line = oneLine(ce.getMessage()) + " [" + ce.code() + "]";
    } else {
      code = OTHER;
      line = "unexpected error: " + oneLine(String.valueOf(e));
    }
    err.println("cairnctl: " + line);
    err.flush();
    return code;
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ").trim();
  }
}

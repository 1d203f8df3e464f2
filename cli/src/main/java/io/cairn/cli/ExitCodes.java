package io.cairn.cli;

import io.cairn.client.CairnException;
import io.cairn.client.DeadlineExceededException;
import io.cairn.client.UnavailableException;
import io.cairn.client.VersionMismatchException;
import java.io.PrintWriter;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;

/**
 * cairnctl's exit codes, and the one place where a failure becomes an exit code and a single line
 * on stderr ({@code cairnctl: COMMAND: what happened}), in every output format and never with a
 * stack trace. {@link CairnCtl}'s {@code exitCodeList} documents the codes in {@code --help}.
 */
final class ExitCodes {
  static final int OK = 0;
  static final int NOT_FOUND = 1;
  static final int USAGE = 2;
  static final int VERSION_MISMATCH = 3;
  static final int UNAVAILABLE = 4;
  static final int OTHER = 5;

  /** verify: replicas of a shard hold different states at the same index. */
  static final int DIVERGED = 6;

  /** A membership change the cluster refuses as it stands (FAILED_PRECONDITION). */
  static final int REFUSED = 7;

  /** Auth: no valid caller (UNAUTHENTICATED), or the caller may not do it (PERMISSION_DENIED). */
  static final int DENIED = 8;

  /**
   * The operation the client names at the start of its messages. It names what it sent: a cas and a
   * put --expect-version are both a put on the wire, and map's fetch is "routing". The user typed a
   * command, so the line names that instead.
   */
  private static final Pattern CLIENT_OPERATION =
      Pattern.compile(
          "^(put|get|delete|routing|status|verify|leader transfer|node add|node drain|node activate"
              + "|node remove|shard move|user put|user delete|role put|role delete|auth list): ");

  private ExitCodes() {}

  /**
   * Prints one line about {@code failure} of {@code command} (null: cairnctl itself) to {@code err}
   * and returns the exit code for it.
   */
  static int report(Throwable failure, String command, PrintWriter err) {
    Throwable e = failure;
    while ((e instanceof CompletionException || e instanceof ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    int code;
    String line;
    if (e instanceof VersionMismatchException vm) {
      code = VERSION_MISMATCH;
      line =
          clientMessage(vm)
              + " [current version="
              + vm.currentVersion()
              + (vm.exists() ? "" : ", the key does not exist")
              + "]";
    } else if (e instanceof UnavailableException || e instanceof DeadlineExceededException) {
      code = UNAVAILABLE;
      line = clientMessage((CairnException) e);
      // What gRPC says when a plaintext client meets a TLS port (or the reverse); say what to try.
      if (line.contains("Network closed for unknown reason")
          || line.contains("NotSslRecordException")
          || line.contains("SSLHandshakeException")) {
        line +=
            " (if the nodes' client port speaks TLS, pass --tls-ca, and --tls-cert and --tls-key"
                + " when they require client certificates)";
      }
    } else if (e instanceof CairnException ce
        && (ce.code() == io.grpc.Status.Code.UNAUTHENTICATED
            || ce.code() == io.grpc.Status.Code.PERMISSION_DENIED)) {
      code = DENIED;
      line = clientMessage(ce) + " [" + ce.code() + "]";
    } else if (e instanceof CairnException ce
        && ce.code() == io.grpc.Status.Code.FAILED_PRECONDITION) {
      code = REFUSED;
      line = clientMessage(ce);
    } else if (e instanceof CairnException ce) {
      code = OTHER;
      line = clientMessage(ce) + " [" + ce.code() + "]";
    } else {
      code = OTHER;
      line = "unexpected error: " + OneLine.of(String.valueOf(e));
    }
    err.println(prefix(command) + line);
    err.flush();
    return code;
  }

  /**
   * {@code cairnctl: } or {@code cairnctl: COMMAND: }, how every line cairnctl writes to stderr
   * starts.
   */
  static String prefix(String command) {
    return command == null ? "cairnctl: " : "cairnctl: " + command + ": ";
  }

  private static String clientMessage(CairnException e) {
    return CLIENT_OPERATION.matcher(OneLine.of(e.getMessage())).replaceFirst("");
  }
}

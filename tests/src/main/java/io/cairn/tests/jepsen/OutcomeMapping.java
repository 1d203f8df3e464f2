package io.cairn.tests.jepsen;

import io.cairn.client.InvalidRequestException;
import io.cairn.client.VersionMismatchException;
import io.cairn.proto.ErrorDetail;
import io.cairn.proto.WireHeaders;
import io.cairn.tests.history.Failure;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The one place where a failed operation becomes FAIL or INFO.
 *
 * <p>FAIL only when the answer proves the operation did not apply: a compare-and-set refused with
 * VERSION_MISMATCH (which also reports what the key held) or a request the cluster rejected as
 * invalid. Everything else - deadlines, UNAVAILABLE, lost connections, a closed client, anything
 * unexpected - is INFO: the write may have been applied, or may still be. Treating an unknown
 * failure as FAIL would let the checker convict the store of the harness's own guess.
 */
public final class OutcomeMapping {

  private static final int REASON_CHARS_MAX = 160;

  /** Where a node puts its {@link ErrorDetail} (kv.proto; the server's StatusMapping). */
  static final Metadata.Key<ErrorDetail> DETAIL_KEY = WireHeaders.ERROR_DETAIL;

  private OutcomeMapping() {}

  public static OpOutcome of(Throwable failure) {
    Throwable e = unwrap(failure);
    if (e instanceof VersionMismatchException mismatch) {
      return versionMismatch(mismatch.currentVersion(), mismatch.exists());
    }
    if (e instanceof InvalidRequestException invalid) {
      return new OpOutcome.NotApplied(new Failure.Rejected(shorten(invalid.getMessage())));
    }
    if (e instanceof StatusRuntimeException status) {
      return ofRawStatus(status);
    }
    return new OpOutcome.Unknown(shorten(describe(e)));
  }

  /**
   * A status straight from a node, for senders that bypass the client (see {@link
   * PinnedNodeSender}): the same rules, read from the status and its error detail.
   */
  private static OpOutcome ofRawStatus(StatusRuntimeException status) {
    Status.Code code = status.getStatus().getCode();
    ErrorDetail detail = status.getTrailers() == null ? null : status.getTrailers().get(DETAIL_KEY);
    if (code == Status.Code.FAILED_PRECONDITION
        && detail != null
        && detail.getReason() == ErrorDetail.Reason.VERSION_MISMATCH) {
      return versionMismatch(detail.getCurrentVersion(), detail.getExists());
    }
    if (code == Status.Code.INVALID_ARGUMENT) {
      return new OpOutcome.NotApplied(
          new Failure.Rejected(shorten(String.valueOf(status.getStatus().getDescription()))));
    }
    return new OpOutcome.Unknown(shorten(describe(status)));
  }

  /**
   * A refused compare-and-set. A detail that contradicts itself (an existing key at version 0) is
   * still a refusal, but no observation the checker can use; it is kept as a rejection with the
   * numbers so the history shows it.
   */
  static OpOutcome versionMismatch(long currentVersion, boolean exists) {
    boolean consistent = exists ? currentVersion > 0 : currentVersion == 0;
    return new OpOutcome.NotApplied(
        consistent
            ? new Failure.VersionMismatch(currentVersion, exists)
            : new Failure.Rejected(
                "VERSION_MISMATCH with a self-contradicting detail: current="
                    + currentVersion
                    + " exists="
                    + exists));
  }

  private static String describe(Throwable e) {
    if (e instanceof io.cairn.client.CairnException ce) {
      return ce.code() + ": " + ce.getMessage();
    }
    if (e instanceof StatusRuntimeException sre) {
      return sre.getStatus().getCode() + ": " + sre.getStatus().getDescription();
    }
    return e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  private static String shorten(String s) {
    String oneLine = s == null ? "" : s.replace('\n', ' ');
    return oneLine.length() <= REASON_CHARS_MAX
        ? oneLine
        : oneLine.substring(0, REASON_CHARS_MAX) + "...";
  }

  private static Throwable unwrap(Throwable t) {
    Throwable e = t;
    while ((e instanceof CompletionException || e instanceof ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}

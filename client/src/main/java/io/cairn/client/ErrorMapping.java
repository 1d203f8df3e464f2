package io.cairn.client;

import io.cairn.proto.ErrorDetail;
import io.cairn.proto.WireHeaders;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;

/**
 * The one place where gRPC statuses (with the {@link ErrorDetail} trailer) become typed {@link
 * CairnException}s, and where the client decides which of them are worth another attempt.
 *
 * <p>Mapping: INVALID_ARGUMENT is {@link InvalidRequestException}; FAILED_PRECONDITION with reason
 * VERSION_MISMATCH is {@link VersionMismatchException}; UNAVAILABLE is {@link
 * UnavailableException}; DEADLINE_EXCEEDED is {@link DeadlineExceededException}; every other code
 * is a plain {@link CairnException}. Retryable: UNAVAILABLE, ABORTED and DEADLINE_EXCEEDED (of one
 * attempt; the retry loop stops at the operation's own deadline), and RESOURCE_EXHAUSTED with
 * reason OVERLOADED (a shard's write queue is full), after the same backoff.
 */
final class ErrorMapping {
  /** Where the server puts the {@link ErrorDetail} (kv.proto). */
  static final Metadata.Key<ErrorDetail> DETAIL_KEY = WireHeaders.ERROR_DETAIL;

  /**
   * grpc-java's conventional key for the same message ({@code cairn.v1.errordetail-bin}); read too,
   * so a server that uses {@code ProtoUtils.keyForProto} is understood as well.
   */
  static final Metadata.Key<ErrorDetail> PROTO_DETAIL_KEY =
      ProtoUtils.keyForProto(ErrorDetail.getDefaultInstance());

  /** The response header naming the shard's leader when another node answered. */
  static final Metadata.Key<String> LEADER_KEY = WireHeaders.LEADER;

  private ErrorMapping() {}

  /** The typed exception for a status the server (or gRPC) answered {@code op} with. */
  static CairnException fromStatus(String op, Status status, Metadata trailers, Throwable cause) {
    String description = status.getDescription();
    Throwable transportCause = status.getCause();
    if (transportCause != null
        && transportCause.getMessage() != null
        && (description == null || !description.contains(transportCause.getMessage()))) {
      // Transport failures say only "io exception"; the cause says what happened (connection
      // refused ...).
      description = (description == null ? "" : description + ": ") + transportCause.getMessage();
    }
    return of(
        op,
        status.getCode(),
        description,
        detailOf(trailers),
        cause != null ? cause : transportCause);
  }

  /** Maps anything an attempt failed with; {@link CairnException}s pass through unchanged. */
  static CairnException fromThrowable(String op, Throwable t) {
    Throwable e = unwrap(t);
    if (e instanceof CairnException ce) {
      return ce;
    }
    if (e instanceof StatusRuntimeException sre) {
      return fromStatus(op, sre.getStatus(), sre.getTrailers(), sre);
    }
    if (e instanceof StatusException se) {
      return fromStatus(op, se.getStatus(), se.getTrailers(), se);
    }
    if (e instanceof RejectedExecutionException) {
      return clientClosed(op, e); // the retry scheduler is shut down
    }
    if (e instanceof CancellationException) {
      return of(op, Status.Code.CANCELLED, "cancelled", null, e);
    }
    return of(op, Status.Code.INTERNAL, "unexpected client failure: " + e, null, e);
  }

  static CairnException of(
      String op, Status.Code code, String description, ErrorDetail detail, Throwable cause) {
    String message = messageOf(op, code, description);
    return switch (code) {
      case INVALID_ARGUMENT -> new InvalidRequestException(message, detail, cause);
      case FAILED_PRECONDITION ->
          detail != null && detail.getReason() == ErrorDetail.Reason.VERSION_MISMATCH
              ? new VersionMismatchException(message, detail, cause)
              : new CairnException(code, message, detail, cause);
      case UNAVAILABLE -> new UnavailableException(message, detail, cause);
      case DEADLINE_EXCEEDED -> new DeadlineExceededException(message, detail, cause);
      default -> new CairnException(code, message, detail, cause);
    };
  }

  /**
   * The final failure of an operation whose retries ran out of time: the last failure, with the
   * count.
   */
  static CairnException gaveUp(CairnException last, int attempts, long elapsedMs) {
    String message =
        last.getMessage()
            + " (gave up after "
            + attempts
            + (attempts == 1 ? " attempt" : " attempts")
            + " in "
            + elapsedMs
            + " ms)";
    return of(null, last.code(), message, last.detail().orElse(null), last);
  }

  static CairnException deadlineBeforeFirstAttempt(String op, long timeoutMs) {
    return of(
        op,
        Status.Code.DEADLINE_EXCEEDED,
        "no time left for an attempt within " + timeoutMs + " ms",
        null,
        null);
  }

  static CairnException clientClosed(String op, Throwable cause) {
    return of(op, Status.Code.CANCELLED, "the client is closed", null, cause);
  }

  static boolean isRetryable(Status.Code code) {
    return code == Status.Code.UNAVAILABLE
        || code == Status.Code.ABORTED
        || code == Status.Code.DEADLINE_EXCEEDED;
  }

  /**
   * Whether another attempt can succeed: the retryable codes, and RESOURCE_EXHAUSTED when the
   * server says a shard is OVERLOADED (its write queue is full; the backoff gives it room). Other
   * RESOURCE_EXHAUSTED, such as a message over the transport's size limit, would fail again.
   */
  static boolean isRetryable(CairnException e) {
    return isRetryable(e.code())
        || (e.code() == Status.Code.RESOURCE_EXHAUSTED
            && e.detail().map(d -> d.getReason() == ErrorDetail.Reason.OVERLOADED).orElse(false));
  }

  /** The error detail in {@code trailers}, or null. */
  static ErrorDetail detailOf(Metadata trailers) {
    if (trailers == null) {
      return null;
    }
    try {
      ErrorDetail d = trailers.get(DETAIL_KEY);
      return d != null ? d : trailers.get(PROTO_DETAIL_KEY);
    } catch (RuntimeException malformed) {
      // A detail we cannot parse must not hide the status itself.
      return null;
    }
  }

  private static String messageOf(String op, Status.Code code, String description) {
    String text = description == null || description.isBlank() ? code.name() : description;
    if (op == null || text.startsWith(op + ":")) {
      return text; // the server's messages already name the operation
    }
    return op + ": " + text;
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

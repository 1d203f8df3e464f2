package io.cairn.node.api;

import io.cairn.node.read.LeadershipNotConfirmedException;
import io.cairn.node.routing.NotLeaderHereException;
import io.cairn.proto.ErrorDetail;
import io.cairn.proto.WireHeaders;
import io.cairn.statemachine.InvalidRequestException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.StateMachineException;

/**
 * The one place where failures become gRPC statuses (docs/api.md lists them). Messages name the
 * operation, the subject and what to do; {@link ErrorDetail} in the trailers carries the
 * machine-readable part.
 */
public final class StatusMapping {
  private StatusMapping() {}

  public static StatusRuntimeException status(Status status, ErrorDetail detail) {
    Metadata trailers = new Metadata();
    trailers.put(WireHeaders.ERROR_DETAIL, detail);
    return status.asRuntimeException(trailers);
  }

  public static StatusRuntimeException versionMismatch(String op, int shard, long expected, long current, boolean exists) {
    String expectation = expected == 0 ? "the key to be absent" : "version " + expected;
    String actual = exists ? "its version is " + current : "it does not exist";
    return status(Status.FAILED_PRECONDITION.withDescription(
            op + ": expected " + expectation + " but " + actual + "; re-read the key and retry with its current version"),
        ErrorDetail.newBuilder().setReason(ErrorDetail.Reason.VERSION_MISMATCH)
            .setCurrentVersion(current).setExists(exists).setShardId(shard).build());
  }

  /** A node-to-node call named a group id that is not a UUID. */
  public static StatusRuntimeException malformedGroupId(String op, String groupId) {
    return Status.INVALID_ARGUMENT.withDescription(op + ": group id '" + groupId + "' is not a UUID")
        .asRuntimeException();
  }

  /**
   * Maps a failure of an operation on a shard.
   *
   * @param gaveUpAfterMs set when our own timeout fired, so the message can say so
   */
  public static StatusRuntimeException fromFailure(Throwable error, String op, int shard, String leaderHint,
                                                   long timeoutMs, boolean callerDeadlinePassed) {
    Throwable e = unwrap(error);
    ErrorDetail.Builder detail = ErrorDetail.newBuilder().setShardId(shard);
    if (leaderHint != null) {
      detail.setLeaderHint(leaderHint);
    }
    if (e instanceof StatusRuntimeException sre) {
      return sre;
    }
    if (e instanceof InvalidRequestException ire) {
      detail.setReason(ire.reason() == InvalidRequestException.Reason.VALUE_TOO_LARGE
          ? ErrorDetail.Reason.VALUE_TOO_LARGE : ErrorDetail.Reason.KEY_INVALID);
      return status(Status.INVALID_ARGUMENT.withDescription(ire.getMessage()), detail.build());
    }
    if (e instanceof NotLeaderException || e instanceof LeaderNotReadyException
        || e instanceof LeaderSteppingDownException) {
      return status(Status.UNAVAILABLE.withDescription(op + ": shard " + shard + " is changing leader"
              + (leaderHint == null ? "" : " (last known leader " + leaderHint + ")") + "; retry"),
          detail.setReason(ErrorDetail.Reason.NOT_LEADER).build());
    }
    if (e instanceof LeadershipNotConfirmedException || e instanceof NotLeaderHereException) {
      return status(Status.UNAVAILABLE.withDescription(op + ": " + e.getMessage()
              + (leaderHint == null ? "" : "; last known leader " + leaderHint) + "; retry"),
          detail.setReason(ErrorDetail.Reason.NOT_LEADER).build());
    }
    if (e instanceof AlreadyClosedException) {
      return status(Status.UNAVAILABLE.withDescription(op + ": this node is shutting down; retry on another node"),
          detail.setReason(ErrorDetail.Reason.SHUTTING_DOWN).build());
    }
    if (e instanceof StateMachineException sme && unwrap(sme.getCause()) instanceof IllegalArgumentException iae) {
      return status(Status.INVALID_ARGUMENT.withDescription(op + ": " + iae.getMessage()),
          detail.setReason(ErrorDetail.Reason.UNSPECIFIED).build());
    }
    if (e instanceof TimeoutException) {
      if (callerDeadlinePassed) {
        return status(Status.DEADLINE_EXCEEDED.withDescription(op + ": shard " + shard
                + " did not answer before the call's deadline; a write may or may not have been applied"),
            detail.setReason(ErrorDetail.Reason.NO_QUORUM).build());
      }
      return status(Status.UNAVAILABLE.withDescription(op + ": shard " + shard + " did not answer within "
              + timeoutMs + " ms (no quorum or a leader change); a write may or may not have been applied, "
              + "and retrying it with the same write id is safe"),
          detail.setReason(ErrorDetail.Reason.NO_QUORUM).build());
    }
    if (e instanceof IllegalStateException) {
      return status(Status.UNAVAILABLE.withDescription(op + ": shard " + shard + " replica is not ready ("
              + e.getMessage() + "); retry"),
          detail.setReason(ErrorDetail.Reason.NO_QUORUM).build());
    }
    if (e instanceof java.io.IOException) {
      // Ratis reports lost quorums, exhausted retries and closed connections as IOExceptions.
      return status(Status.UNAVAILABLE.withDescription(op + ": shard " + shard + " is unavailable: "
              + e.getClass().getSimpleName() + ": " + e.getMessage() + "; retry"),
          detail.setReason(ErrorDetail.Reason.NO_QUORUM).build());
    }
    return status(Status.INTERNAL.withDescription(op + ": unexpected failure on shard " + shard + ": " + e),
        detail.build());
  }

  static Throwable unwrap(Throwable e) {
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}

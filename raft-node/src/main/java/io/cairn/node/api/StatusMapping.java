package io.cairn.node.api;

import io.cairn.node.read.LeadershipNotConfirmedException;
import io.cairn.node.replica.ReplicaNotReadyException;
import io.cairn.node.routing.NotLeaderHereException;
import io.cairn.node.write.WriteQueueFullException;
import io.cairn.proto.ErrorDetail;
import io.cairn.proto.WireHeaders;
import io.cairn.proto.internal.NotServed;
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
import org.apache.ratis.protocol.exceptions.ResourceUnavailableException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become gRPC statuses (docs/api.md lists them). Messages name the
 * operation, the subject and what to do; {@link ErrorDetail} in the trailers carries the
 * machine-readable part.
 */
public final class StatusMapping {
  private static final Logger LOG = LoggerFactory.getLogger(StatusMapping.class);

  private StatusMapping() {}

  public static StatusRuntimeException status(Status status, ErrorDetail detail) {
    Metadata trailers = new Metadata();
    trailers.put(WireHeaders.ERROR_DETAIL, detail);
    return status.asRuntimeException(trailers);
  }

  public static StatusRuntimeException versionMismatch(
      String op, int shard, long expected, long current, boolean exists) {
    String expectation = expected == 0 ? "the key to be absent" : "version " + expected;
    String actual = exists ? "its version is " + current : "it does not exist";
    return status(
        Status.FAILED_PRECONDITION.withDescription(
            op
                + ": expected "
                + expectation
                + " but "
                + actual
                + "; re-read the key and retry with its current version"),
        ErrorDetail.newBuilder()
            .setReason(ErrorDetail.Reason.VERSION_MISMATCH)
            .setCurrentVersion(current)
            .setExists(exists)
            .setShardId(shard)
            .build());
  }

  /** A write whose sequence is below its client's acked_below: a late duplicate, not applied. */
  public static StatusRuntimeException staleDuplicate(String op) {
    return Status.ABORTED
        .withDescription(
            op
                + ": this write id was already answered (sequence below acked_below); not applied again")
        .asRuntimeException();
  }

  /**
   * The shard the map routed a key to does not serve it: a shard is being added and the key is
   * moving to it (docs/shard-split.md). Retryable: it serves again from the new shard once the map
   * says so.
   */
  public static StatusRuntimeException shardMoved(
      String op, int shard, NotServed why, long mapEpoch) {
    String what =
        why.getFilling()
            ? "shard " + shard + " is still being filled by a split"
            : "the key is moving from shard "
                + shard
                + " to shard "
                + Integer.toUnsignedString(why.getOwnerShardId())
                + ", which is being added";
    return status(
        Status.UNAVAILABLE.withDescription(
            op
                + ": "
                + what
                + "; retry in a moment (the map after epoch "
                + mapEpoch
                + " routes it)"),
        ErrorDetail.newBuilder()
            .setReason(ErrorDetail.Reason.SHARD_MOVED)
            .setShardId(why.getOwnerShardId())
            .setMapEpoch(mapEpoch)
            .build());
  }

  /** Whether {@code e} is {@link #shardMoved}'s failure (from this node or a forwarded call). */
  public static boolean isShardMoved(StatusRuntimeException e) {
    if (e.getStatus().getCode() != Status.Code.UNAVAILABLE || e.getTrailers() == null) {
      return false;
    }
    ErrorDetail detail = e.getTrailers().get(WireHeaders.ERROR_DETAIL);
    return detail != null && detail.getReason() == ErrorDetail.Reason.SHARD_MOVED;
  }

  /** A shard answered a write with no outcome: a bug. */
  public static StatusRuntimeException emptyResult(String op, int shard) {
    LOG.error("{}: shard {} answered a write with an empty result", op, shard);
    return Status.INTERNAL
        .withDescription(op + ": empty result from shard " + shard + " (a bug; the node logged it)")
        .asRuntimeException();
  }

  public static StatusRuntimeException unknownConsistency(String op, int value) {
    return Status.INVALID_ARGUMENT
        .withDescription(
            op + ": unknown consistency level " + value + "; use LINEARIZABLE, SESSION or EVENTUAL")
        .asRuntimeException();
  }

  /** A request that does not parse as the method's request message. */
  public static Status malformedRequest(String fullMethodName) {
    return Status.INVALID_ARGUMENT.withDescription(
        fullMethodName
            + ": the request is not a valid "
            + fullMethodName.replaceAll(".*/", "")
            + " request message; check that the client uses Cairn's "
            + "kv.proto/cluster.proto");
  }

  /**
   * A failed call to another node in one line for an operator ("UNAVAILABLE: io exception:
   * Connection refused"), never a stack trace: Status.toString() includes the cause's.
   */
  public static String oneLine(Throwable t) {
    Status s = Status.fromThrowable(t);
    StringBuilder b = new StringBuilder(s.getCode().name());
    if (s.getDescription() != null) {
      b.append(": ").append(s.getDescription());
    }
    if (s.getCause() != null && s.getCause().getMessage() != null) {
      b.append(": ").append(s.getCause().getMessage());
    }
    return b.toString().replaceAll("\\s+", " ");
  }

  /** A node-to-node call named a group id that is not a UUID. */
  public static StatusRuntimeException malformedGroupId(String op, String groupId) {
    return Status.INVALID_ARGUMENT
        .withDescription(op + ": group id '" + groupId + "' is not a UUID")
        .asRuntimeException();
  }

  /**
   * Maps a failure of an operation on a shard.
   *
   * @param gaveUpAfterMs set when our own timeout fired, so the message can say so
   */
  public static StatusRuntimeException fromFailure(
      Throwable error,
      String op,
      int shard,
      String leaderHint,
      long timeoutMs,
      boolean callerDeadlinePassed) {
    Throwable e = unwrap(error);
    ErrorDetail.Builder detail = ErrorDetail.newBuilder().setShardId(shard);
    if (leaderHint != null) {
      detail.setLeaderHint(leaderHint);
    }
    if (e instanceof StatusRuntimeException sre) {
      return sre;
    }
    if (e instanceof InvalidRequestException ire) {
      detail.setReason(
          ire.reason() == InvalidRequestException.Reason.VALUE_TOO_LARGE
              ? ErrorDetail.Reason.VALUE_TOO_LARGE
              : ErrorDetail.Reason.KEY_INVALID);
      return status(Status.INVALID_ARGUMENT.withDescription(ire.getMessage()), detail.build());
    }
    if (e instanceof NotLeaderException
        || e instanceof LeaderNotReadyException
        || e instanceof LeaderSteppingDownException) {
      return status(
          Status.UNAVAILABLE.withDescription(
              op
                  + ": shard "
                  + shard
                  + " is changing leader"
                  + (leaderHint == null ? "" : " (last known leader " + leaderHint + ")")
                  + "; retry"),
          detail.setReason(ErrorDetail.Reason.NOT_LEADER).build());
    }
    if (e instanceof LeadershipNotConfirmedException || e instanceof NotLeaderHereException) {
      return status(
          Status.UNAVAILABLE.withDescription(
              op
                  + ": "
                  + e.getMessage()
                  + (leaderHint == null ? "" : "; last known leader " + leaderHint)
                  + "; retry"),
          detail.setReason(ErrorDetail.Reason.NOT_LEADER).build());
    }
    if (e instanceof AlreadyClosedException) {
      return status(
          Status.UNAVAILABLE.withDescription(
              op + ": this node is shutting down; retry on another node"),
          detail.setReason(ErrorDetail.Reason.SHUTTING_DOWN).build());
    }
    if (e instanceof StateMachineException sme
        && unwrap(sme.getCause()) instanceof IllegalArgumentException iae) {
      return status(
          Status.INVALID_ARGUMENT.withDescription(op + ": " + iae.getMessage()),
          detail.setReason(ErrorDetail.Reason.UNSPECIFIED).build());
    }
    if (e instanceof TimeoutException) {
      if (callerDeadlinePassed) {
        return status(
            Status.DEADLINE_EXCEEDED.withDescription(
                op
                    + ": shard "
                    + shard
                    + " did not answer before the call's deadline; a write may or may not have been applied"),
            detail.setReason(ErrorDetail.Reason.NO_QUORUM).build());
      }
      return status(
          Status.UNAVAILABLE.withDescription(
              op
                  + ": shard "
                  + shard
                  + " did not answer within "
                  + timeoutMs
                  + " ms (no quorum or a leader change); a write may or may not have been applied, "
                  + "and retrying it with the same write id is safe"),
          detail.setReason(ErrorDetail.Reason.NO_QUORUM).build());
    }
    if (e instanceof ReplicaNotReadyException) {
      return status(
          Status.UNAVAILABLE.withDescription(op + ": " + e.getMessage()),
          detail.setReason(ErrorDetail.Reason.NO_QUORUM).build());
    }
    if (e instanceof WriteQueueFullException) {
      return status(
          Status.RESOURCE_EXHAUSTED.withDescription(
              op + ": " + e.getMessage() + "; back off and retry"),
          detail.setReason(ErrorDetail.Reason.OVERLOADED).build());
    }
    if (e instanceof ResourceUnavailableException) {
      // Ratis's own bound on requests pending in the leader (raft.server.write.element-limit).
      return status(
          Status.RESOURCE_EXHAUSTED.withDescription(
              op
                  + ": shard "
                  + shard
                  + " has too many requests pending on its leader; back off and retry"),
          detail.setReason(ErrorDetail.Reason.OVERLOADED).build());
    }
    if (e instanceof java.io.IOException) {
      // Ratis reports lost quorums, exhausted retries and closed connections as IOExceptions.
      return status(
          Status.UNAVAILABLE.withDescription(
              op
                  + ": shard "
                  + shard
                  + " is unavailable: "
                  + e.getClass().getSimpleName()
                  + ": "
                  + e.getMessage()
                  + "; retry"),
          detail.setReason(ErrorDetail.Reason.NO_QUORUM).build());
    }
    // Anything else is a bug, not a state of the cluster: retrying will not help, so say INTERNAL
    // (never UNAVAILABLE, which clients retry until their deadline) and log it once, with its
    // stack.
    LOG.error("{}: unexpected failure on shard {}", op, shard, e);
    return status(
        Status.INTERNAL.withDescription(
            op
                + ": unexpected failure on shard "
                + shard
                + ": "
                + e
                + " (a bug; the node logged it)"),
        detail.build());
  }

  static Throwable unwrap(Throwable e) {
    while ((e instanceof CompletionException || e instanceof ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}

package io.cairn.client;

import io.cairn.proto.ErrorDetail;
import io.grpc.Status;
import java.util.Optional;

/**
 * A failed Cairn operation: the gRPC status code the cluster (or the client, for its own deadline)
 * answered with, a message naming the operation, and the server's {@link ErrorDetail} when it sent
 * one. Subclasses name the outcomes callers usually branch on. Only {@link ErrorMapping} creates
 * these, so a status always maps to the same type.
 */
public class CairnException extends RuntimeException {
  private final Status.Code code;
  private final ErrorDetail detail;

  CairnException(Status.Code code, String message, ErrorDetail detail, Throwable cause) {
    super(message, cause);
    this.code = code;
    this.detail = detail;
  }

  /** The gRPC status code of the failure. */
  public Status.Code code() {
    return code;
  }

  /** The machine-readable detail the server attached, if any. */
  public Optional<ErrorDetail> detail() {
    return Optional.ofNullable(detail);
  }
}

package io.cairn.client;

import io.cairn.proto.ErrorDetail;
import io.grpc.Status;

/**
 * No node could serve the operation before its deadline (no quorum, a leader change, nodes down or
 * shutting down). The client has already retried; a write that ends this way may or may not have
 * been applied, and was applied at most once.
 */
public final class UnavailableException extends CairnException {
  UnavailableException(String message, ErrorDetail detail, Throwable cause) {
    super(Status.Code.UNAVAILABLE, message, detail, cause);
  }
}

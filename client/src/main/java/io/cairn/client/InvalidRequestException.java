package io.cairn.client;

import io.cairn.proto.ErrorDetail;
import io.grpc.Status;

/**
 * The cluster rejected the request itself (INVALID_ARGUMENT: an empty or too long key, a value over
 * the limit, an unknown consistency level). Nothing was applied; never retried.
 */
public final class InvalidRequestException extends CairnException {
  InvalidRequestException(String message, ErrorDetail detail, Throwable cause) {
    super(Status.Code.INVALID_ARGUMENT, message, detail, cause);
  }
}

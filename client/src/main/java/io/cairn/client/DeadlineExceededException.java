package io.cairn.client;

import io.cairn.proto.ErrorDetail;
import io.grpc.Status;

/**
 * The operation's overall deadline ({@link ClientConfig#requestTimeoutMs()}) passed before an
 * answer came. A write that ends this way may or may not have been applied, and was applied at most
 * once.
 */
public final class DeadlineExceededException extends CairnException {
  DeadlineExceededException(String message, ErrorDetail detail, Throwable cause) {
    super(Status.Code.DEADLINE_EXCEEDED, message, detail, cause);
  }
}

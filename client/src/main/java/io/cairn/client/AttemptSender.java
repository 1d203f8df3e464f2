package io.cairn.client;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;

/**
 * Sends one attempt of a unary call to one node and reports what the answer says about routing: the
 * {@code cairn-leader} header (in the headers, or in the trailers of a trailers-only error) and the
 * error itself go to {@link RoutingFeedback}. Failures complete the future with the typed exception
 * from {@link ErrorMapping}.
 */
final class AttemptSender {
  private final NodeChannels channels;
  private final RoutingFeedback feedback;

  AttemptSender(NodeChannels channels, RoutingFeedback feedback) {
    this.channels = channels;
    this.feedback = feedback;
  }

  <Q, R> CompletableFuture<R> send(
      String op, Target target, MethodDescriptor<Q, R> method, Q request, Deadline deadline) {
    CompletableFuture<R> result = new CompletableFuture<>();
    ClientCall<Q, R> call;
    try {
      call =
          channels
              .get(target.endpoint())
              .newCall(method, CallOptions.DEFAULT.withDeadline(deadline));
    } catch (RuntimeException e) {
      result.completeExceptionally(ErrorMapping.fromThrowable(op, e));
      return result;
    }
    call.start(
        new ClientCall.Listener<>() {
          private String leaderHint;
          private R response;

          @Override
          public void onHeaders(Metadata headers) {
            leaderHint = headers.get(ErrorMapping.LEADER_KEY);
          }

          @Override
          public void onMessage(R message) {
            response = message;
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            if (leaderHint == null && trailers != null) {
              leaderHint = trailers.get(ErrorMapping.LEADER_KEY);
            }
            if (status.isOk() && response != null) {
              feedback.answered(target, leaderHint);
              result.complete(response);
              return;
            }
            Status failure =
                status.isOk()
                    ? Status.INTERNAL.withDescription(
                        "the server closed the call without an answer")
                    : status;
            CairnException error = ErrorMapping.fromStatus(op, failure, trailers, null);
            try {
              feedback.failed(target, leaderHint, error);
            } finally {
              result.completeExceptionally(error);
            }
          }
        },
        new Metadata());
    try {
      call.request(2); // 2, not 1: a unary server sending two answers is then a visible error
      call.sendMessage(request);
      call.halfClose();
    } catch (RuntimeException e) {
      call.cancel("sending the request failed", e); // onClose completes the result
    }
    return result;
  }
}

package io.cairn.node.api;

import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.InputStream;

/**
 * Makes a request that does not parse fail with INVALID_ARGUMENT naming the method: a malformed
 * request is the caller's mistake, and grpc-java would otherwise answer UNKNOWN ("Application error
 * processing RPC") for any exception its request marshaller throws.
 *
 * <p>How: the request marshaller never throws; on a parse failure it returns the message's default
 * instance carrying a marker in an unknown field, and the call handler closes such a call with
 * INVALID_ARGUMENT before the service sees it.
 */
public final class MalformedRequests {
  /** Highest legal protobuf field number; no Cairn message uses it. */
  private static final int MARKER_FIELD = 536_870_911;

  private static final UnknownFieldSet MARKER =
      UnknownFieldSet.newBuilder()
          .addField(MARKER_FIELD, UnknownFieldSet.Field.newBuilder().addVarint(1).build())
          .build();

  private MalformedRequests() {}

  public static ServerServiceDefinition rejectAsInvalidArgument(ServerServiceDefinition service) {
    ServerServiceDefinition.Builder b =
        ServerServiceDefinition.builder(service.getServiceDescriptor().getName());
    for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
      b.addMethod(wrap(m));
    }
    return b.build();
  }

  @SuppressWarnings("unchecked")
  private static <Q, R> ServerMethodDefinition<Q, R> wrap(ServerMethodDefinition<Q, R> m) {
    MethodDescriptor<Q, R> method = m.getMethodDescriptor();
    MethodDescriptor.Marshaller<Q> original = method.getRequestMarshaller();
    if (!(original instanceof MethodDescriptor.PrototypeMarshaller<Q> proto)
        || !(proto.getMessagePrototype() instanceof Message prototype)) {
      return m;
    }
    Q malformed = (Q) prototype.toBuilder().setUnknownFields(MARKER).build();
    MethodDescriptor.Marshaller<Q> lenient =
        new MethodDescriptor.Marshaller<>() {
          @Override
          public InputStream stream(Q value) {
            return original.stream(value);
          }

          @Override
          public Q parse(InputStream stream) {
            try {
              return original.parse(stream);
            } catch (RuntimeException e) {
              return malformed;
            }
          }
        };
    Status rejection = StatusMapping.malformedRequest(method.getFullMethodName());
    ServerCallHandler<Q, R> handler =
        (call, headers) ->
            new Guard<>(m.getServerCallHandler().startCall(call, headers), call, rejection);
    return ServerMethodDefinition.create(
        method.toBuilder(lenient, method.getResponseMarshaller()).build(), handler);
  }

  private static boolean isMalformed(Object request) {
    return request instanceof Message msg && msg.getUnknownFields().hasField(MARKER_FIELD);
  }

  /** Closes the call on a malformed request and drops every later event of that call. */
  private static final class Guard<Q, R>
      extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
    private final ServerCall<Q, R> call;
    private final Status rejection;
    private boolean rejected;

    Guard(ServerCall.Listener<Q> delegate, ServerCall<Q, R> call, Status rejection) {
      super(delegate);
      this.call = call;
      this.rejection = rejection;
    }

    @Override
    public void onMessage(Q message) {
      if (isMalformed(message)) {
        rejected = true;
        call.close(rejection, new Metadata());
        return;
      }
      super.onMessage(message);
    }

    @Override
    public void onHalfClose() {
      if (!rejected) {
        super.onHalfClose();
      }
    }

    @Override
    public void onReady() {
      if (!rejected) {
        super.onReady();
      }
    }
  }
}

package io.cairn.proto;

import io.grpc.Metadata;
import io.grpc.protobuf.ProtoUtils;

/**
 * The gRPC metadata Cairn puts on the wire, defined once for servers, clients and tools. kv.proto
 * documents what each one means.
 */
public final class WireHeaders {
  /** Trailer of an error status: the machine-readable {@link ErrorDetail}. */
  public static final Metadata.Key<ErrorDetail> ERROR_DETAIL =
      Metadata.Key.of(
          "cairn-error-detail-bin",
          ProtoUtils.metadataMarshaller(ErrorDetail.getDefaultInstance()));

  /** Response header: the node id of the shard's leader, when the node that answered is not it. */
  public static final Metadata.Key<String> LEADER =
      Metadata.Key.of("cairn-leader", Metadata.ASCII_STRING_MARSHALLER);

  /**
   * Request header, node to node only: another node forwarded this call, so the receiver serves it
   * itself or fails it, and never forwards it again.
   */
  public static final Metadata.Key<String> FORWARDED =
      Metadata.Key.of("cairn-forwarded", Metadata.ASCII_STRING_MARSHALLER);

  private WireHeaders() {}
}

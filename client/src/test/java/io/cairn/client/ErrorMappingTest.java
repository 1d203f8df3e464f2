package io.cairn.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.proto.ErrorDetail;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

class ErrorMappingTest {
  private static Metadata trailersWith(ErrorDetail detail) {
    Metadata m = new Metadata();
    m.put(ErrorMapping.DETAIL_KEY, detail);
    return m;
  }

  @Test
  void theDetailTrailerKeyIsTheContractsName() {
    assertThat(ErrorMapping.DETAIL_KEY.name()).isEqualTo("cairn-error-detail-bin");
    assertThat(ErrorMapping.LEADER_KEY.name()).isEqualTo("cairn-leader");
  }

  @Test
  void versionMismatchCarriesTheCurrentVersion() {
    ErrorDetail d =
        ErrorDetail.newBuilder()
            .setReason(ErrorDetail.Reason.VERSION_MISMATCH)
            .setCurrentVersion(42)
            .setExists(true)
            .build();
    CairnException e =
        ErrorMapping.fromStatus(
            "put",
            Status.FAILED_PRECONDITION.withDescription(
                "put: expected version 7 but its version is 42"),
            trailersWith(d),
            null);
    assertThat(e)
        .isInstanceOfSatisfying(
            VersionMismatchException.class,
            v -> {
              assertThat(v.currentVersion()).isEqualTo(42);
              assertThat(v.exists()).isTrue();
            });
    assertThat(e).hasMessage("put: expected version 7 but its version is 42");
  }

  @Test
  void failedPreconditionWithoutTheReasonIsAPlainCairnException() {
    CairnException e =
        ErrorMapping.fromStatus("put", Status.FAILED_PRECONDITION, new Metadata(), null);
    assertThat(e).isExactlyInstanceOf(CairnException.class).hasMessage("put: FAILED_PRECONDITION");
    assertThat(e.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(e.detail()).isEmpty();
  }

  @Test
  void eachCodeMapsToItsType() {
    assertThat(ErrorMapping.fromStatus("get", Status.INVALID_ARGUMENT, null, null))
        .isInstanceOf(InvalidRequestException.class);
    assertThat(ErrorMapping.fromStatus("get", Status.UNAVAILABLE, null, null))
        .isInstanceOf(UnavailableException.class);
    assertThat(ErrorMapping.fromStatus("get", Status.DEADLINE_EXCEEDED, null, null))
        .isInstanceOf(DeadlineExceededException.class);
    assertThat(ErrorMapping.fromStatus("get", Status.PERMISSION_DENIED, null, null))
        .isExactlyInstanceOf(CairnException.class);
  }

  @Test
  void theProtoUtilsKeyIsUnderstoodToo() {
    Metadata m = new Metadata();
    m.put(
        ProtoUtils.keyForProto(ErrorDetail.getDefaultInstance()),
        ErrorDetail.newBuilder()
            .setReason(ErrorDetail.Reason.NOT_LEADER)
            .setLeaderHint("n2")
            .build());
    assertThat(ErrorMapping.detailOf(m))
        .isNotNull()
        .extracting(ErrorDetail::getLeaderHint)
        .isEqualTo("n2");
  }

  @Test
  void retryableCodes() {
    for (Status.Code code : Status.Code.values()) {
      boolean expected =
          code == Status.Code.UNAVAILABLE
              || code == Status.Code.ABORTED
              || code == Status.Code.DEADLINE_EXCEEDED;
      assertThat(ErrorMapping.isRetryable(code)).as(code.name()).isEqualTo(expected);
    }
  }

  /**
   * Issue 8, item 4: a leader whose write queue is full pushes back; the client backs off and
   * retries.
   */
  @Test
  void anOverloadedShardIsRetryableButOtherResourceExhaustionIsNot() {
    CairnException overloaded =
        ErrorMapping.of(
            "put",
            Status.Code.RESOURCE_EXHAUSTED,
            "queue full",
            ErrorDetail.newBuilder().setReason(ErrorDetail.Reason.OVERLOADED).build(),
            null);
    assertThat(ErrorMapping.isRetryable(overloaded)).isTrue();
    CairnException tooLarge =
        ErrorMapping.of(
            "put", Status.Code.RESOURCE_EXHAUSTED, "message larger than max", null, null);
    assertThat(ErrorMapping.isRetryable(tooLarge)).isFalse();
  }

  @Test
  void wrappedStatusesAndClientFailuresAreUnwrapped() {
    CairnException e =
        ErrorMapping.fromThrowable(
            "put",
            new CompletionException(
                Status.UNAVAILABLE
                    .withDescription("refused")
                    .asRuntimeException(
                        trailersWith(ErrorDetail.newBuilder().setShardId(3).build()))));
    assertThat(e).isInstanceOf(UnavailableException.class).hasMessage("put: refused");
    assertThat(e.detail()).get().extracting(ErrorDetail::getShardId).isEqualTo(3);
    assertThat(ErrorMapping.fromThrowable("put", new RejectedExecutionException()).code())
        .isEqualTo(Status.Code.CANCELLED);
    assertThat(ErrorMapping.fromThrowable("put", e)).isSameAs(e);
  }

  @Test
  void aTransportFailureSaysWhatHappened() {
    Status refused =
        Status.UNAVAILABLE
            .withDescription("io exception")
            .withCause(new java.net.ConnectException("Connection refused: /127.0.0.1:7001"));
    assertThat(ErrorMapping.fromStatus("put", refused, null, null))
        .hasMessage("put: io exception: Connection refused: /127.0.0.1:7001");
  }

  @Test
  void givingUpKeepsTheTypeAndSaysHowLong() {
    CairnException last =
        ErrorMapping.fromStatus("put", Status.UNAVAILABLE.withDescription("no quorum"), null, null);
    CairnException e = ErrorMapping.gaveUp(last, 4, 9_876);
    assertThat(e)
        .isInstanceOf(UnavailableException.class)
        .hasMessage("put: no quorum (gave up after 4 attempts in 9876 ms)")
        .hasCause(last);
  }
}

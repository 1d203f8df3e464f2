package io.cairn.node.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.node.read.LeadershipNotConfirmedException;
import io.cairn.node.replica.ReplicaNotReadyException;
import io.cairn.node.write.WriteQueueFullException;
import io.cairn.proto.ErrorDetail;
import io.cairn.proto.WireHeaders;
import io.cairn.statemachine.InvalidRequestException;
import io.cairn.statemachine.RequestLimits;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.ResourceUnavailableException;
import org.junit.jupiter.api.Test;

class StatusMappingTest {
  private static ErrorDetail detail(StatusRuntimeException e) {
    return e.getTrailers().get(WireHeaders.ERROR_DETAIL);
  }

  @Test
  void userMistakesAreInvalidArgumentNeverInternal() {
    InvalidRequestException bad = null;
    try {
      RequestLimits.DEFAULT.checkKey("put", new byte[5000]);
    } catch (InvalidRequestException e) {
      bad = e;
    }
    assertThat(bad).isNotNull();
    StatusRuntimeException s =
        StatusMapping.fromFailure(new CompletionException(bad), "put", 3, null, 1000, false);
    assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(s.getStatus().getDescription()).contains("5000").contains("4096");
    assertThat(detail(s).getReason()).isEqualTo(ErrorDetail.Reason.KEY_INVALID);
  }

  @Test
  void versionMismatchCarriesTheCurrentVersion() {
    StatusRuntimeException s = StatusMapping.versionMismatch("put", 2, 5, 9, true);
    assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(s.getStatus().getDescription())
        .contains("expected version 5")
        .contains("its version is 9");
    assertThat(detail(s).getCurrentVersion()).isEqualTo(9);
    assertThat(detail(s).getReason()).isEqualTo(ErrorDetail.Reason.VERSION_MISMATCH);
    StatusRuntimeException absent = StatusMapping.versionMismatch("delete", 2, 0, 0, false);
    assertThat(absent.getStatus().getDescription())
        .contains("expected the key to be absent")
        .isNotNull();
  }

  @Test
  void notLeaderIsRetryableWithAHint() {
    var member = RaftGroupMemberId.valueOf(RaftPeerId.valueOf("n1"), RaftGroupId.randomId());
    StatusRuntimeException s =
        StatusMapping.fromFailure(
            new NotLeaderException(member, null, java.util.List.of()), "get", 4, "n2", 1000, false);
    assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(detail(s).getLeaderHint()).isEqualTo("n2");
    assertThat(detail(s).getReason()).isEqualTo(ErrorDetail.Reason.NOT_LEADER);
  }

  @Test
  void anUnconfirmedLeadershipIsRetryableWithAHint() {
    StatusRuntimeException s =
        StatusMapping.fromFailure(
            new CompletionException(
                new LeadershipNotConfirmedException("shard 4: leadership in term 3 not confirmed")),
            "get",
            4,
            "n2",
            1000,
            false);
    assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(s.getStatus().getDescription())
        .contains("term 3 not confirmed")
        .contains("n2")
        .endsWith("retry");
    assertThat(detail(s).getReason()).isEqualTo(ErrorDetail.Reason.NOT_LEADER);
    assertThat(detail(s).getLeaderHint()).isEqualTo("n2");
  }

  @Test
  void ourTimeoutIsUnavailableUnlessTheCallersDeadlinePassed() {
    StatusRuntimeException mine =
        StatusMapping.fromFailure(new TimeoutException(), "put", 1, null, 3000, false);
    assertThat(mine.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(mine.getStatus().getDescription())
        .contains("3000 ms")
        .contains("same write id is safe");
    StatusRuntimeException theirs =
        StatusMapping.fromFailure(new TimeoutException(), "put", 1, null, 3000, true);
    assertThat(theirs.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
  }

  /** Issue 8, item 3: a bug must not look retryable, or clients retry it forever. */
  @Test
  void anUnexpectedFailureIsInternalNotUnavailable() {
    StatusRuntimeException s =
        StatusMapping.fromFailure(
            new CompletionException(
                new IllegalStateException("entry of 3 commands came back with 2 results")),
            "put",
            2,
            "n1",
            1000,
            false);
    assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(s.getStatus().getDescription())
        .contains("put")
        .contains("shard 2")
        .contains("came back with 2 results");
    StatusRuntimeException npe =
        StatusMapping.fromFailure(new NullPointerException(), "get", 2, null, 1000, false);
    assertThat(npe.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
  }

  @Test
  void aReplicaBetweenSnapshotAndReloadIsRetryable() {
    StatusRuntimeException s =
        StatusMapping.fromFailure(
            new ReplicaNotReadyException("shard 2 replica is reloading"),
            "get",
            2,
            null,
            1000,
            false);
    assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(detail(s).getReason()).isEqualTo(ErrorDetail.Reason.NO_QUORUM);
  }

  /** Issue 8, item 4: a full write queue says so, retryable after a backoff. */
  @Test
  void aFullWriteQueueIsResourceExhaustedAndSaysWhatToDo() {
    StatusRuntimeException s =
        StatusMapping.fromFailure(
            new WriteQueueFullException(3, 1024, 4096, 1024, 1 << 26), "put", 3, "n2", 1000, false);
    assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(s.getStatus().getDescription()).contains("shard 3").contains("back off");
    assertThat(detail(s).getReason()).isEqualTo(ErrorDetail.Reason.OVERLOADED);
    var member = RaftGroupMemberId.valueOf(RaftPeerId.valueOf("n1"), RaftGroupId.randomId());
    StatusRuntimeException ratisFull =
        StatusMapping.fromFailure(
            new ResourceUnavailableException(member + ": pending requests full"),
            "put",
            3,
            null,
            1000,
            false);
    assertThat(ratisFull.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(detail(ratisFull).getReason()).isEqualTo(ErrorDetail.Reason.OVERLOADED);
  }
}

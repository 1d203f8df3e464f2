package io.cairn.statemachine;

import static io.cairn.statemachine.Commands.batch;
import static io.cairn.statemachine.Commands.delete;
import static io.cairn.statemachine.Commands.put;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cairn.proto.internal.Command;
import io.cairn.proto.internal.CommandBatch;
import io.cairn.proto.internal.PutCommand;
import io.cairn.statemachine.InvalidRequestException.Reason;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

class ProposalCheckTest {
  private static final RequestLimits LIMITS = new RequestLimits(8, 16);
  // Keys starting with "b" belong to shard 2, every other key to shard 1.
  private static final ToIntFunction<byte[]> RING = k -> k.length > 0 && k[0] == 'b' ? 2 : 1;

  private static void check(CommandBatch b) {
    ProposalCheck.check(b, 1, LIMITS, RING);
  }

  @Test
  void acceptsWhatTheApiAccepts() {
    assertThatCode(() -> check(batch(1, put("a", "v"), delete("a2"), put("k", ""))))
        .doesNotThrowAnyException();
    assertThatCode(() -> check(CommandBatch.getDefaultInstance())).doesNotThrowAnyException();
    assertThatCode(() -> check(CommandBatch.newBuilder().setDigestMarker(true).build()))
        .doesNotThrowAnyException();
  }

  @Test
  void refusesKeysTheApiRefuses() {
    assertThatThrownBy(() -> check(batch(1, put("a", "v"), put("", "v"))))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("command 1 (put): key is empty")
        .extracting(e -> ((InvalidRequestException) e).reason())
        .isEqualTo(Reason.KEY_INVALID);
    assertThatThrownBy(() -> check(batch(1, delete("a23456789"))))
        .hasMessageContaining("command 0 (delete): key is 9 bytes; the limit is 8");
  }

  @Test
  void refusesAValueOverTheLimit() {
    assertThatThrownBy(() -> check(batch(1, put("a", "x".repeat(17)))))
        .hasMessageContaining("value is 17 bytes; the limit is 16");
  }

  @Test
  void refusesAKeyOfAnotherShard() {
    assertThatThrownBy(() -> check(batch(1, put("a", "v"), delete("b"))))
        .hasMessageContaining("command 1 (delete): the key belongs to shard 2, not to shard 1");
  }

  @Test
  void refusesACommandWithoutAnOperation() {
    CommandBatch b = CommandBatch.newBuilder().addCommands(Command.getDefaultInstance()).build();
    assertThatThrownBy(() -> check(b)).hasMessageContaining("names no operation");
  }

  @Test
  void refusesADigestMarkerThatCarriesCommands() {
    CommandBatch b =
        CommandBatch.newBuilder()
            .setDigestMarker(true)
            .addCommands(
                Command.newBuilder()
                    .setPut(PutCommand.newBuilder().setKey(ByteString.copyFromUtf8("a"))))
            .build();
    assertThatThrownBy(() -> check(b)).hasMessageContaining("digest marker carries no commands");
  }

  @Test
  void takesASplitStepAloneAndRefusesOneWithCommands() {
    CommandBatch step =
        CommandBatch.newBuilder()
            .setSplitStep(
                io.cairn.proto.internal.SplitStep.newBuilder()
                    .setDropMoved(io.cairn.proto.internal.DropMoved.getDefaultInstance()))
            .build();
    assertThatCode(() -> check(step)).doesNotThrowAnyException();
    assertThatThrownBy(() -> check(step.toBuilder().addCommands(put("a", "v")).build()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("a split step carries no commands");
    assertThatThrownBy(() -> check(step.toBuilder().setDigestMarker(true).build()))
        .hasMessageContaining("no digest marker");
  }
}

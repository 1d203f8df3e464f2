package io.cairn.statemachine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.statemachine.InvalidRequestException.Reason;
import org.junit.jupiter.api.Test;

class RequestLimitsTest {
  private final RequestLimits limits = RequestLimits.DEFAULT;

  @Test
  void defaultsMatchTheDocumentedConfig() {
    assertThat(RequestLimits.DEFAULT.keyBytesMax()).isEqualTo(4096);
    assertThat(RequestLimits.DEFAULT.valueBytesMax()).isEqualTo(1 << 20);
  }

  @Test
  void keysOfOneToTheLimitPass() {
    assertThatCode(() -> limits.checkKey("put", new byte[1])).doesNotThrowAnyException();
    assertThatCode(() -> limits.checkKey("put", new byte[4096])).doesNotThrowAnyException();
  }

  @Test
  void aTooLongKeyNamesTheOpTheSizeTheLimitAndTheConfigKey() {
    assertThatThrownBy(() -> limits.checkKey("put", new byte[5000]))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("put: key is 5000 bytes; the limit is 4096 (limits.key-bytes-max)")
        .extracting(e -> ((InvalidRequestException) e).reason())
        .isEqualTo(Reason.KEY_INVALID);
  }

  @Test
  void anEmptyKeySaysWhatKeysMayBe() {
    assertThatThrownBy(() -> limits.checkKey("get", new byte[0]))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("get: key is empty; keys are 1 to 4096 bytes")
        .extracting(e -> ((InvalidRequestException) e).reason())
        .isEqualTo(Reason.KEY_INVALID);
  }

  @Test
  void aMissingKeyOrValueIsMalformed() {
    assertThatThrownBy(() -> limits.checkKey("delete", null))
        .hasMessage("delete: key is missing")
        .extracting(e -> ((InvalidRequestException) e).reason())
        .isEqualTo(Reason.MALFORMED);
    assertThatThrownBy(() -> limits.checkValue("put", null))
        .hasMessage("put: value is missing")
        .extracting(e -> ((InvalidRequestException) e).reason())
        .isEqualTo(Reason.MALFORMED);
  }

  @Test
  void valuesUpToTheLimitPassIncludingEmpty() {
    assertThatCode(() -> limits.checkValue("put", new byte[0])).doesNotThrowAnyException();
    assertThatCode(() -> limits.checkValue("put", new byte[1 << 20])).doesNotThrowAnyException();
  }

  @Test
  void aTooLargeValueNamesTheLimitAndTheConfigKey() {
    RequestLimits small = new RequestLimits(16, 100);
    assertThatThrownBy(() -> small.checkValue("cas", new byte[101]))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("cas: value is 101 bytes; the limit is 100 (limits.value-bytes-max)")
        .extracting(e -> ((InvalidRequestException) e).reason())
        .isEqualTo(Reason.VALUE_TOO_LARGE);
  }

  @Test
  void limitsThemselvesAreValidated() {
    assertThatThrownBy(() -> new RequestLimits(0, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("limits.key-bytes-max is 0; it must be at least 1");
    assertThatThrownBy(() -> new RequestLimits(10, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("limits.value-bytes-max is -1; it must be at least 0");
  }
}

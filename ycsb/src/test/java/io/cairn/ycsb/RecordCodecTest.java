package io.cairn.ycsb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class RecordCodecTest {
  @Property(tries = 200)
  void everyRecordDecodesToItself(@ForAll Map<String, byte[]> fields) {
    Map<String, byte[]> back = RecordCodec.decode(RecordCodec.encode(fields));

    assertThat(back.keySet()).isEqualTo(fields.keySet());
    fields.forEach((k, v) -> assertThat(Arrays.equals(back.get(k), v)).isTrue());
  }

  @Test
  void aTruncatedValueIsRefused() {
    byte[] whole = RecordCodec.encode(Map.of("field0", new byte[] {1, 2, 3}));
    byte[] cut = Arrays.copyOf(whole, whole.length - 1);

    assertThatThrownBy(() -> RecordCodec.decode(cut))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a YCSB record");
  }
}

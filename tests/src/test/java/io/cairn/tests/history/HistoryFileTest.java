package io.cairn.tests.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryFileTest {

  private final History sample =
      new History(
          List.of(
              Operation.ok(1, 1, Op.put("k", "v1"), 10, 20, OpResult.put(3)),
              Operation.ok(2, 2, Op.putCas("k", "v2", 0), 11, 25, OpResult.put(4)),
              Operation.ok(
                  3, 3, Op.get("k", ReadConsistency.SESSION), 12, 30, OpResult.found("v1", 3)),
              Operation.ok(
                  4, 4, Op.get("k", ReadConsistency.EVENTUAL), 13, 31, OpResult.notFound()),
              Operation.ok(5, 5, Op.delete("k"), 14, 32, OpResult.deleted(true, 9)),
              Operation.fail(6, 6, Op.deleteCas("k", 2), 15, 33, Failure.versionMismatch(9, true)),
              Operation.fail(
                  7, 7, Op.putCas("k", "v3", 1), 16, 34, Failure.versionMismatch(0, false)),
              Operation.fail(8, 8, Op.put("", "v4"), 17, 18, Failure.rejected("key is empty")),
              Operation.info(9, 9, Op.put("k", "v5"), 19, 99, "UNAVAILABLE: connection lost")));

  @Test
  void aHistorySurvivesWritingAndReading(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("history.jsonl");

    sample.writeTo(file);

    assertThat(History.readFrom(file)).isEqualTo(sample);
    assertThat(Files.readAllLines(file)).hasSize(sample.size());
  }

  @Test
  void stringsWithQuotesControlCharactersAndUnicodeSurvive() throws IOException {
    String awkward = "q\"b\\s/\n\r\t\u0001\u00e9\u4e2d\ud83d\ude00|\ud800x";
    History history =
        new History(List.of(Operation.ok(1, 0, Op.put(awkward, awkward), 1, 2, OpResult.put(1))));

    History back = roundTrip(history);

    assertThat(back).isEqualTo(history);
    assertThat(HistoryFile.encode(history.operations().get(0))).doesNotContain("\n");
  }

  @Test
  void theLineFormatIsTheDocumentedOne() {
    Operation cas = Operation.ok(7, 2, Op.putCas("k1", "v-2-9", 0), 100, 250, OpResult.put(12));

    assertThat(HistoryFile.encode(cas))
        .isEqualTo(
            "{\"id\":7,\"process\":2,\"kind\":\"PUT_CAS\",\"key\":\"k1\",\"value\":\"v-2-9\",\"expectedVersion\":0,"
                + "\"invokeNanos\":100,\"completeNanos\":250,\"outcome\":\"OK\",\"result\":{\"version\":12}}");
  }

  @Test
  void aBadLineIsReportedWithItsNumber() {
    String text = HistoryFile.encode(sample.operations().get(0)) + "\n\n{\"id\":2,\"process\":1}\n";

    assertThatThrownBy(() -> HistoryFile.read(new StringReader(text)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("line 3")
        .hasMessageContaining("\"kind\"");
  }

  @Test
  void truncatedJsonIsRejected() {
    assertThatThrownBy(() -> HistoryFile.decode("{\"id\":1,\"kind\":\"PUT"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HistoryFile.decode("{\"id\":1} trailing"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void duplicateIdsAreRejected() {
    String line = HistoryFile.encode(sample.operations().get(0));

    assertThatThrownBy(() -> HistoryFile.read(new StringReader(line + "\n" + line + "\n")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("appears twice");
  }

  private static History roundTrip(History history) throws IOException {
    StringWriter out = new StringWriter();
    history.writeTo(out);
    return History.readFrom(new StringReader(out.toString()));
  }
}

package com.maticsapp.scan.contract;

import com.maticsapp.scan.contract.ServiceFailure.FieldError;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class JsonValuesTest {

  @ParameterizedTest
  @ValueSource(strings = {"", "plain", "Ünïcödé", "emoji \uD83D\uDE00", "tab\tand\nnewline"})
  void storableTextHasNoProblem(String text) {
    assertThat(JsonValues.textProblem(text)).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"\u0000", "a\u0000b", "\uD800", "x\uDC00", "\uDC00\uD800", "end\uD83D"})
  void nulAndUnpairedSurrogatesAreProblems(String text) {
    assertThat(JsonValues.textProblem(text)).isNotNull();
  }

  @Test
  void theFirstProblemIsNamedByItsPath() {
    JsonObject value = new JsonObject().put("ok", 1).put("list", new JsonArray().add("fine").add(new JsonObject().put("k", "a\u0000")));
    assertThat(JsonValues.shapeProblem(value, "metadata", 8, 100))
        .isEqualTo(new FieldError("metadata.list[1].k", "must not contain NUL (U+0000) characters"));
    assertThat(JsonValues.shapeProblem(new JsonObject().put("bad\u0000key", 1), "", 8, 100).field()).isEqualTo("bad\\u0000key");
    assertThat(JsonValues.shapeProblem(new JsonObject().put("n", Double.POSITIVE_INFINITY), "m", 8, 100))
        .isEqualTo(new FieldError("m.n", JsonValues.NOT_FINITE));
  }

  @Test
  void depthKeysAndSizeAreBounded() {
    JsonObject deep = new JsonObject();
    JsonObject cursor = deep;
    for (int i = 0; i < 200; i++) {
      JsonObject next = new JsonObject();
      cursor.put("a", next);
      cursor = next;
    }
    assertThat(JsonValues.shapeProblem(deep, "m", 3, 100)).isEqualTo(new FieldError("m.a.a.a", "nests deeper than 3 levels"));
    assertThat(JsonValues.shapeProblem(new JsonObject().put("a", new JsonObject().put("b", 1)), "m", 2, 100)).isNull();

    JsonObject wide = new JsonObject().put("a", 1).put("b", new JsonObject().put("c", 2));
    assertThat(JsonValues.shapeProblem(wide, "m", 8, 3)).isNull();
    assertThat(JsonValues.shapeProblem(wide, "m", 8, 2).message()).startsWith("must have at most 2 keys");

    JsonObject big = new JsonObject().put("s", "é".repeat(600));
    assertThat(JsonValues.problem(big, "m", new JsonValues.Bounds(1_200, 8, 100)).message())
        .as("bytes, not characters: 600 × 2 bytes plus the JSON around them").contains("1200 bytes");
    assertThat(JsonValues.problem(big, "m", new JsonValues.Bounds(1_300, 8, 100))).isNull();
  }

  @Test
  void printableKeysEscapeControlsAndAreCut() {
    assertThat(JsonValues.printable("a\u0000\tb")).isEqualTo("a\\u0000\\u0009b");
    assertThat(JsonValues.printable("k".repeat(150))).hasSize(101).endsWith("…");
  }
}

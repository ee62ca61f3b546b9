package com.maticsapp.scan.contract;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class FieldsTest {

  @ParameterizedTest
  @ValueSource(strings = {"6a1c1f7e-5a0e-4a55-9e59-2b7c6f0e0001", "6A1C1F7E-5A0E-4A55-9E59-2B7C6F0E0001",
      "00000000-0000-0000-0000-000000000000"})
  void acceptsCanonicalUuids(String text) {
    assertThat(Fields.parseUuid(text)).isEqualTo(UUID.fromString(text));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "1-2-3-4-5", "6a1c1f7e5a0e4a559e592b7c6f0e0001", "6a1c1f7e-5a0e-4a55-9e59-2b7c6f0e000g",
      "6a1c1f7e-5a0e-4a55-9e59-2b7c6f0e00011", "6a1c1f7e_5a0e_4a55_9e59_2b7c6f0e0001", "../../etc/passwd",
      "6a1c1f7e-5a0e-4a55-9e59-2b7c6f0e000١"})
  void refusesAnythingElse(String text) {
    assertThat(Fields.parseUuid(text)).isNull();
  }

  /** Bounds are compared exactly: each value here is one past a bound, or the same double as a value inside it. */
  @Test
  void integerBoundsAreExact() {
    long max = Long.MAX_VALUE / 2; // 2^62 - 1, the documented maximum of a row's position
    long min = Long.MIN_VALUE / 2;
    assertThat(Fields.exactLong(max, min, max)).isEqualTo(max);
    assertThat(Fields.exactLong(min, min, max)).isEqualTo(min);
    assertThat(Fields.exactLong(max + 1, min, max)).isNull();
    assertThat(Fields.exactLong(min - 1, min, max)).isNull();
    assertThat(Fields.exactLong((double) (max + 1), min, max)).isNull();
    assertThat(Fields.exactLong(BigInteger.ONE.shiftLeft(63), Long.MIN_VALUE, Long.MAX_VALUE)).isNull();
    assertThat(Fields.exactLong(new BigDecimal("4611686018427387903.5"), min, max)).isNull();
    assertThat(Fields.exactLong(1000.0, 0, 1000)).isEqualTo(1000L);
    assertThat(Fields.exactLong(1.5, 0, 1000)).isNull();
    assertThat(Fields.exactLong(Double.NaN, 0, 1000)).isNull();
    assertThat(Fields.exactLong("1", 0, 1000)).isNull();
    assertThat(Fields.exactLong(101, 1, 100)).isNull();
    assertThat(Fields.exactLong(100, 1, 100)).isEqualTo(100L);
  }

  /** What a request body parses to: 2^62 arrives as a Long and is refused; the maximum is taken as it is. */
  @Test
  void positionOneOverTheMaximumIsRefused() {
    Fields over = Fields.of(new JsonObject("{\"position\":4611686018427387904}"));
    assertThat(over.integer("position", Long.MIN_VALUE / 2, Long.MAX_VALUE / 2)).isNull();
    assertThat(over.errors()).singleElement().satisfies(error -> assertThat(error.field()).isEqualTo("position"));
    Fields at = Fields.of(new JsonObject("{\"position\":4611686018427387903}"));
    assertThat(at.integer("position", Long.MIN_VALUE / 2, Long.MAX_VALUE / 2)).isEqualTo(Long.MAX_VALUE / 2);
    assertThat(at.errors()).isEmpty();
  }
}

package com.maticsapp.scan.contract;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
}

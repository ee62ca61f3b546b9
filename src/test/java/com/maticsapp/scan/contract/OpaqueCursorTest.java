package com.maticsapp.scan.contract;

import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The API's one cursor form: what it writes it reads back, the same for every cursor type. */
class OpaqueCursorTest {

  @Test
  void whatIsEncodedDecodesToItsKeyAndId() {
    String id = UUID.randomUUID().toString();
    assertThat(OpaqueCursor.decode(OpaqueCursor.encode("2026-12-04T10:00:00.000000Z", id)))
        .containsExactly("2026-12-04T10:00:00.000000Z", id);
    // The id follows the last bar, so a key may hold one.
    assertThat(OpaqueCursor.decode(OpaqueCursor.encode("a|b", id))).containsExactly("a|b", id);
  }

  @Test
  void aScanCursorIsWrittenInTheSameFormAsAPageCursor() {
    String id = UUID.randomUUID().toString();
    ScanCursor scan = new ScanCursor("2026-12-04T10:00:00.000000Z", id);
    assertThat(scan.encode()).isEqualTo(OpaqueCursor.encode("2026-12-04T10:00:00.000000Z", id));
    assertThat(ScanCursor.decode(scan.encode())).isEqualTo(scan);
  }

  @Test
  void anythingElseIsNoCursor() {
    assertThat(OpaqueCursor.decode(null)).isNull();
    assertThat(OpaqueCursor.decode("")).isNull();
    assertThat(OpaqueCursor.decode("not base64!")).isNull();
    assertThat(OpaqueCursor.decode(OpaqueCursor.encode("key", "id") + "*")).isNull();
    assertThat(OpaqueCursor.decode("bm8gYmFy")).as("'no bar'").isNull();
    assertThat(OpaqueCursor.decode("x".repeat(OpaqueCursor.MAX_LENGTH + 1))).isNull();
  }
}

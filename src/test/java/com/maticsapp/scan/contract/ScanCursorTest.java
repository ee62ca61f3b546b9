package com.maticsapp.scan.contract;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The live stream's event ids: what they are made of, what decodes, and how they order. */
class ScanCursorTest {

  private static final String ID = "5b0c6a8e-1f4e-4c1a-9a59-6f1d2c3b4a50";

  @Test
  void aScanRecordsCursorRoundTripsThroughItsEncoding() {
    JsonObject scan = new JsonObject().put("id", ID).put("created_at", "2026-11-27T14:03:00.123456Z");
    ScanCursor cursor = ScanCursor.of(scan);

    assertThat(cursor).isEqualTo(new ScanCursor("2026-11-27T14:03:00.123456Z", ID));
    assertThat(ScanCursor.decode(cursor.encode())).isEqualTo(cursor);
    assertThat(cursor.encode()).matches("[A-Za-z0-9_-]+");
    assertThat(ScanCursor.decode(ScanCursor.START.encode())).isEqualTo(ScanCursor.START);
  }

  @Test
  void anythingButAnIssuedCursorDecodesToNull() {
    assertThat(ScanCursor.decode(null)).isNull();
    assertThat(ScanCursor.decode("")).isNull();
    assertThat(ScanCursor.decode("not base64!")).isNull();
    assertThat(ScanCursor.decode(encode("2026-11-27T14:03:00.123456Z"))).isNull();
    assertThat(ScanCursor.decode(encode("2026-11-27T14:03:00Z|" + ID))).as("no microseconds").isNull();
    assertThat(ScanCursor.decode(encode("2026-11-27T14:03:00.123456+01:00|" + ID))).as("not UTC").isNull();
    assertThat(ScanCursor.decode(encode("2026-11-27T14:03:00.123456Z|1-2-3-4-5"))).isNull();
    assertThat(ScanCursor.of(new JsonObject().put("id", ID))).isNull();
  }

  @Test
  void cursorsOrderByTimeThenByIdAsPostgresqlOrdersUuids() {
    ScanCursor early = new ScanCursor("2026-11-27T14:03:00.000001Z", "ffffffff-ffff-ffff-ffff-ffffffffffff");
    ScanCursor late = new ScanCursor("2026-11-27T14:03:00.000002Z", "00000000-0000-0000-0000-000000000000");
    assertThat(late.isAfter(early)).isTrue();

    // PostgreSQL compares uuids byte by byte; java.util.UUID compares signed longs and would
    // put 8000… before 0000….
    String low = "00000000-0000-0000-0000-000000000001";
    String high = "80000000-0000-0000-0000-000000000000";
    assertThat(UUID.fromString(high).compareTo(UUID.fromString(low))).as("what UUID.compareTo says").isNegative();
    ScanCursor a = new ScanCursor("2026-11-27T14:03:00.000001Z", low);
    ScanCursor b = new ScanCursor("2026-11-27T14:03:00.000001Z", high.toUpperCase());
    assertThat(b.isAfter(a)).isTrue();
    assertThat(ScanCursor.max(a, b)).isEqualTo(b);
    assertThat(ScanCursor.max(null, a)).isEqualTo(a);
  }

  private static String encode(String plain) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
  }
}

package com.maticsapp.scan.data;

import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.Row;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

/** Conversions shared by the row mappers. */
final class SqlValues {

  /** Always UTC, always microseconds: clients can compare timestamps as strings. */
  private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'");

  private SqlValues() {}

  static String time(OffsetDateTime value) {
    return value == null ? null : TIMESTAMP.format(value.withOffsetSameInstant(ZoneOffset.UTC));
  }

  static String time(Row row, String column) {
    return time(row.getOffsetDateTime(column));
  }

  static String uuid(Row row, String column) {
    UUID value = row.getUUID(column);
    return value == null ? null : value.toString();
  }

  static JsonArray uuids(Row row, String column) {
    UUID[] values = row.getArrayOfUUIDs(column);
    JsonArray array = new JsonArray();
    if (values != null) {
      for (UUID value : values) {
        array.add(value.toString());
      }
    }
    return array;
  }
}

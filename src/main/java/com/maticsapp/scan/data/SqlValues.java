package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.ApiTimestamps;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;

import java.time.OffsetDateTime;
import java.util.UUID;
import java.util.function.Function;

/** Conversions shared by the row mappers. */
final class SqlValues {

  private SqlValues() {}

  static String time(OffsetDateTime value) {
    return ApiTimestamps.format(value);
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

  /**
   * One keyset page from a statement that asked for {@code limit + 1} rows:
   * {@code {<name>: [...], next_cursor}}, the cursor (the last item's sort key and id) only when
   * the extra row shows another page follows.
   */
  static JsonObject page(Iterable<Row> rows, int limit, String name, Function<Row, Object> item, Function<Row, String> sortKey) {
    JsonArray items = new JsonArray();
    Row last = null;
    boolean more = false;
    for (Row row : rows) {
      if (items.size() == limit) {
        more = true;
        break;
      }
      items.add(item.apply(row));
      last = row;
    }
    String next = more && last != null ? new Cursor(sortKey.apply(last), last.getUUID("id")).encode() : null;
    return new JsonObject().put(name, items).put("next_cursor", next);
  }
}

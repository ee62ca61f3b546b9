package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.RowChange;
import com.maticsapp.scan.contract.ServiceFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.List;
import java.util.UUID;

/**
 * Rows of a data table. The barcode index follows every write here by trigger (see the V1
 * migration), inside the same statement.
 */
final class RowStore {

  private static final String COLUMNS =
      "id, table_id, data, is_archived, position, scan_count, last_scanned_at, scan_state, created_at, updated_at, created_by";

  static final String INSERT_ROW = "INSERT INTO table_rows (table_id, data, created_by) VALUES ($1, $2, $3) RETURNING " + COLUMNS;

  /** All rows of a bulk request in one statement and one transaction, positions in request order. */
  static final String INSERT_ROWS = """
      WITH inserted AS (
        INSERT INTO table_rows (table_id, data, created_by)
        SELECT $1, d.data::jsonb, $3
        FROM unnest($2::text[]) WITH ORDINALITY AS d(data, ord)
        ORDER BY d.ord
        RETURNING id, position
      )
      SELECT id, position FROM inserted ORDER BY position
      """;

  static final String SELECT_ROW = "SELECT " + COLUMNS + " FROM table_rows WHERE table_id = $1 AND id = $2";

  static final String FIRST_PAGE = "SELECT " + COLUMNS + """
       FROM table_rows
      WHERE table_id = $1 AND ($2 OR NOT is_archived)
      ORDER BY position, id
      LIMIT $3
      """;

  static final String NEXT_PAGE = "SELECT " + COLUMNS + """
       FROM table_rows
      WHERE table_id = $1 AND ($2 OR NOT is_archived) AND (position, id) > ($4, $5)
      ORDER BY position, id
      LIMIT $3
      """;

  /** A JSON merge of cells at the top level: a cell set to null is removed. */
  static final String UPDATE_ROW = """
      UPDATE table_rows
      SET data = CASE WHEN $3::jsonb IS NULL THEN data
                      ELSE (data || $3::jsonb) - ARRAY(SELECT key FROM jsonb_each($3::jsonb) WHERE value = 'null'::jsonb)
                 END,
          is_archived = coalesce($4, is_archived),
          position = coalesce($5, position),
          updated_at = now()
      WHERE table_id = $1 AND id = $2
      RETURNING\s""" + COLUMNS;

  private final SqlClient client;

  RowStore(SqlClient client) {
    this.client = client;
  }

  Future<JsonObject> insert(UUID tableId, JsonObject data, String createdBy) {
    return client.preparedQuery(INSERT_ROW).execute(Tuple.of(tableId, data, createdBy))
        .map(rows -> toJson(rows.iterator().next()));
  }

  /** {@code {inserted, rows: [{id, position}]}} in request order. */
  Future<JsonObject> insertAll(UUID tableId, List<JsonObject> rows, String createdBy) {
    String[] data = rows.stream().map(JsonObject::encode).toArray(String[]::new);
    return client.preparedQuery(INSERT_ROWS).execute(Tuple.of(tableId).addArrayOfString(data).addString(createdBy)).map(inserted -> {
      JsonArray ids = new JsonArray();
      inserted.forEach(row -> ids.add(new JsonObject()
          .put("id", SqlValues.uuid(row, "id"))
          .put("position", row.getLong("position"))));
      return new JsonObject().put("inserted", ids.size()).put("rows", ids);
    });
  }

  Future<JsonObject> get(UUID tableId, UUID rowId) {
    return client.preparedQuery(SELECT_ROW).execute(Tuple.of(tableId, rowId)).map(rows -> {
      if (rows.size() == 0) {
        throw ServiceFailure.notFound("row " + rowId + " does not exist in table " + tableId);
      }
      return toJson(rows.iterator().next());
    });
  }

  Future<JsonObject> update(UUID tableId, UUID rowId, RowChange change) {
    Tuple params = Tuple.of(tableId, rowId, change.data(), change.archived(), change.position());
    return client.preparedQuery(UPDATE_ROW).execute(params).map(rows -> {
      if (rows.size() == 0) {
        throw ServiceFailure.notFound("row " + rowId + " does not exist in table " + tableId);
      }
      return toJson(rows.iterator().next());
    });
  }

  /**
   * One page in (position, id) order: {@code {rows, next_cursor}}. The table's existence (and
   * the caller's access to it) is checked by the access statement sent along with it.
   */
  Future<JsonObject> page(UUID tableId, boolean includeArchived, int limit, String after) {
    Cursor cursor = Cursor.decode(after, "after");
    Tuple params = Tuple.of(tableId, includeArchived, limit + 1);
    if (cursor != null) {
      params.addLong(parsePosition(cursor.key())).addUUID(cursor.id());
    }
    return client.preparedQuery(cursor == null ? FIRST_PAGE : NEXT_PAGE).execute(params)
        .map(rows -> SqlValues.page(rows, limit, "rows", RowStore::toJson,
            row -> Long.toString(row.getLong("position"))));
  }

  private static long parsePosition(String key) {
    try {
      return Long.parseLong(key);
    } catch (NumberFormatException e) {
      throw ServiceFailure.invalid("after", "is not a cursor returned by this API");
    }
  }

  static JsonObject toJson(Row row) {
    return new JsonObject()
        .put("id", SqlValues.uuid(row, "id"))
        .put("table_id", SqlValues.uuid(row, "table_id"))
        .put("data", row.getValue("data"))
        .put("is_archived", row.getBoolean("is_archived"))
        .put("position", row.getLong("position"))
        .put("scan_count", row.getInteger("scan_count"))
        .put("last_scanned_at", SqlValues.time(row, "last_scanned_at"))
        .put("scan_state", row.getValue("scan_state"))
        .put("created_at", SqlValues.time(row, "created_at"))
        .put("updated_at", SqlValues.time(row, "updated_at"))
        .put("created_by", row.getString("created_by"));
  }
}

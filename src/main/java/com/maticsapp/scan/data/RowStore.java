package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.RowChange;
import com.maticsapp.scan.contract.ServiceFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Rows of a data table. The barcode index follows every write here by trigger (see the V1
 * migration), inside the same statement.
 */
final class RowStore {

  private static final String COLUMNS =
      "id, table_id, data, is_archived, position, scan_count, last_scanned_at, scan_state, created_at, updated_at, created_by";

  /**
   * The table's column types as the statement finds them, with a KEY SHARE lock on each column
   * until the write commits. A write goes ahead only when they are still the types its cells
   * were checked against ({@code types = $n}): a column change locks its column before it
   * rewrites the cells (matic_change_column, V20_2), so a row written now is either written
   * before that lock, and converted by the change, or after the change, and then checked again.
   */
  private static final String CURRENT_TYPES = """
      current AS (
        SELECT coalesce(jsonb_object_agg(c.name, c.column_type), '{}') AS types
        FROM (SELECT name, column_type FROM table_columns WHERE table_id = $1 FOR KEY SHARE) c
      )""";

  /** One row, if the columns are those of $4; otherwise no row back. */
  static final String INSERT_ROW = "WITH " + CURRENT_TYPES + """

      INSERT INTO table_rows (table_id, data, created_by)
      SELECT $1, $2, $3 FROM current WHERE current.types = $4::jsonb
      RETURNING\s""" + COLUMNS;

  /**
   * All rows of a bulk request in one statement and one transaction, positions in request
   * order, if the columns are those of $4; {@code current} says whether they were.
   */
  static final String INSERT_ROWS = "WITH " + CURRENT_TYPES + """
      , inserted AS (
        INSERT INTO table_rows (table_id, data, created_by)
        SELECT $1, d.data::jsonb, $3
        FROM unnest($2::text[]) WITH ORDINALITY AS d(data, ord), current
        WHERE current.types = $4::jsonb
        ORDER BY d.ord
        RETURNING id, position
      )
      SELECT (SELECT types = $4::jsonb FROM current) AS current, id, position
      FROM (SELECT 1) AS one LEFT JOIN inserted ON true
      ORDER BY position
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

  /**
   * A JSON merge of cells at the top level: a cell set to null is removed; only if the columns
   * are those of $6 ({@code current}: whether they were; no {@code id}: no such row).
   */
  static final String UPDATE_ROW = "WITH " + CURRENT_TYPES + """
      , updated AS (
        UPDATE table_rows
        SET data = CASE WHEN $3::jsonb IS NULL THEN data
                        ELSE (data || $3::jsonb) - ARRAY(SELECT key FROM jsonb_each($3::jsonb) WHERE value = 'null'::jsonb)
                   END,
            is_archived = coalesce($4, is_archived),
            position = coalesce($5, position),
            updated_at = now()
        WHERE table_id = $1 AND id = $2 AND (SELECT types = $6::jsonb FROM current)
        RETURNING\s""" + COLUMNS + """

      )
      SELECT (SELECT types = $6::jsonb FROM current) AS current, updated.*
      FROM (SELECT 1) AS one LEFT JOIN updated ON true
      """;

  private final SqlClient client;

  RowStore(SqlClient client) {
    this.client = client;
  }

  /**
   * The table's columns changed between the read its cells were checked against and the write:
   * nothing was written (the caller checks the cells again, see {@link #CURRENT_TYPES}).
   */
  static final class ColumnsChanged extends RuntimeException {
    ColumnsChanged() {
      super("the table's columns changed while the row was being written", null, false, false);
    }
  }

  /** The column types a write's cells were checked against, as CURRENT_TYPES compares them. */
  private static JsonObject typesJson(Map<String, String> types) {
    return new JsonObject(new HashMap<String, Object>(types));
  }

  /** {@code types}: the column types the cells were checked against. */
  Future<JsonObject> insert(UUID tableId, JsonObject data, String createdBy, Map<String, String> types) {
    return client.preparedQuery(INSERT_ROW).execute(Tuple.of(tableId, data, createdBy, typesJson(types)))
        .map(rows -> {
          if (rows.size() == 0) {
            throw new ColumnsChanged();
          }
          return toJson(rows.iterator().next());
        });
  }

  /** {@code {inserted, rows: [{id, position}]}} in request order. */
  Future<JsonObject> insertAll(UUID tableId, List<JsonObject> rows, String createdBy, Map<String, String> types) {
    String[] data = rows.stream().map(JsonObject::encode).toArray(String[]::new);
    Tuple params = Tuple.of(tableId).addArrayOfString(data).addString(createdBy).addValue(typesJson(types));
    return client.preparedQuery(INSERT_ROWS).execute(params).map(inserted -> {
      JsonArray ids = new JsonArray();
      for (Row row : inserted) {
        if (!row.getBoolean("current")) {
          throw new ColumnsChanged();
        }
        if (row.getValue("id") != null) {
          ids.add(new JsonObject().put("id", SqlValues.uuid(row, "id")).put("position", row.getLong("position")));
        }
      }
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

  Future<JsonObject> update(UUID tableId, UUID rowId, RowChange change, Map<String, String> types) {
    Tuple params = Tuple.of(tableId, rowId, change.data(), change.archived(), change.position())
        .addValue(typesJson(types));
    return client.preparedQuery(UPDATE_ROW).execute(params).map(rows -> {
      Row row = rows.iterator().next();
      if (!row.getBoolean("current")) {
        throw new ColumnsChanged();
      }
      if (row.getValue("id") == null) {
        throw ServiceFailure.notFound("row " + rowId + " does not exist in table " + tableId);
      }
      return toJson(row);
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

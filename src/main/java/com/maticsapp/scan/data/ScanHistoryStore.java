package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.ScanCursor;
import com.maticsapp.scan.contract.ServiceFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Reading the scan history of a table (or one of its columns): pages newest first, and for
 * the live scan stream the scans stored after a {@link ScanCursor}, in storage order.
 */
final class ScanHistoryStore {

  /** Which table and column a listing is about; a column given but not found is a 404. */
  static final String SCOPE = """
      SELECT t.id AS table_id,
             (SELECT c.id FROM table_columns c
              WHERE c.table_id = t.id AND (c.id = $2::uuid OR ($2::uuid IS NULL AND c.name = $3))) AS column_id
      FROM (SELECT 1) AS one
      LEFT JOIN data_tables t ON t.id = $1
      """;

  /**
   * Each variant keeps its plan on one index: scan_history_by_table or scan_history_by_column,
   * walked backwards from the cursor.
   */
  static final String BY_TABLE = """
      SELECT * FROM scan_history WHERE table_id = $1
      ORDER BY scanned_at DESC, id DESC LIMIT $2
      """;
  static final String BY_TABLE_BEFORE = """
      SELECT * FROM scan_history WHERE table_id = $1 AND (scanned_at, id) < ($3, $4)
      ORDER BY scanned_at DESC, id DESC LIMIT $2
      """;
  static final String BY_COLUMN = """
      SELECT * FROM scan_history
      WHERE table_id = $1
        AND column_id = (SELECT id FROM table_columns WHERE table_id = $1 AND (id = $3::uuid OR ($3::uuid IS NULL AND name = $4)))
      ORDER BY scanned_at DESC, id DESC LIMIT $2
      """;
  static final String BY_COLUMN_BEFORE = """
      SELECT * FROM scan_history
      WHERE table_id = $1
        AND column_id = (SELECT id FROM table_columns WHERE table_id = $1 AND (id = $3::uuid OR ($3::uuid IS NULL AND name = $4)))
        AND (scanned_at, id) < ($5, $6)
      ORDER BY scanned_at DESC, id DESC LIMIT $2
      """;

  /**
   * A table's conflicts (scans decided accepted offline that the service would have refused),
   * newest stored first, on the partial index scan_history_conflicts (V19_3); with the table's
   * existence in the same statement.
   */
  static final String CONFLICTS = """
      SELECT t.id AS found_table, h.*
      FROM (SELECT 1) AS one
      LEFT JOIN data_tables t ON t.id = $1
      LEFT JOIN LATERAL (
        SELECT * FROM scan_history
        WHERE table_id = t.id AND conflict IS NOT NULL AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4))
        ORDER BY created_at DESC, id DESC LIMIT $2
      ) h ON true
      """;

  /**
   * Whether the table exists, and the cursor of its newest scan (storage order): a backwards
   * probe of scan_history_by_insertion (migration V2).
   */
  static final String LATEST = """
      SELECT t.id AS table_id, s.created_at, s.id
      FROM (SELECT 1) AS one
      LEFT JOIN data_tables t ON t.id = $1
      LEFT JOIN LATERAL (
        SELECT created_at, id FROM scan_history WHERE table_id = t.id
        ORDER BY created_at DESC, id DESC LIMIT 1
      ) s ON true
      """;

  /** The scans stored after a cursor, oldest first: a forward walk of scan_history_by_insertion. */
  static final String SINCE = """
      SELECT * FROM scan_history WHERE table_id = $1 AND (created_at, id) > ($2, $3)
      ORDER BY created_at, id LIMIT $4
      """;

  private final SqlClient client;

  ScanHistoryStore(SqlClient client) {
    this.client = client;
  }

  /** {@code {scans, next_cursor}}; scope check and page travel together on the pipeline. */
  Future<JsonObject> page(UUID tableId, UUID columnId, String columnName, int limit, String before) {
    Cursor cursor = Cursor.decode(before, "before");
    boolean byColumn = columnId != null || columnName != null;
    Future<Row> scope = client.preparedQuery(SCOPE).execute(Tuple.of(tableId, columnId, columnName))
        .map(rows -> rows.iterator().next());
    String sql = byColumn
        ? (cursor == null ? BY_COLUMN : BY_COLUMN_BEFORE)
        : (cursor == null ? BY_TABLE : BY_TABLE_BEFORE);
    Tuple params = Tuple.of(tableId, limit + 1);
    if (byColumn) {
      params.addValue(columnId).addValue(columnName);
    }
    if (cursor != null) {
      params.addValue(parseTime(cursor.key())).addValue(cursor.id());
    }
    Future<JsonObject> page = client.preparedQuery(sql).execute(params).map(rows -> SqlValues.page(rows, limit, "scans", ScanStore::toJson,
        row -> SqlValues.time(row, "scanned_at")));
    return Future.all(scope, page).map(both -> {
      Row found = scope.result();
      if (found.getUUID("table_id") == null) {
        throw ServiceFailure.notFound("table " + tableId + " does not exist");
      }
      if (byColumn && found.getUUID("column_id") == null) {
        throw ServiceFailure.noSuchColumn(tableId, columnId, columnName);
      }
      return page.result();
    });
  }

  /** {@code {scans, next_cursor}}: one page of the table's conflicts, newest stored first. */
  Future<JsonObject> conflicts(UUID tableId, int limit, String before) {
    Cursor cursor = Cursor.decode(before, "before");
    Tuple params = Tuple.of(tableId, limit + 1, cursor == null ? null : parseTime(cursor.key()), cursor == null ? null : cursor.id());
    return client.preparedQuery(CONFLICTS).execute(params).map(rows -> {
      if (rows.iterator().next().getUUID("found_table") == null) {
        throw ServiceFailure.notFound("table " + tableId + " does not exist");
      }
      List<Row> found = new ArrayList<>();
      rows.forEach(row -> {
        if (row.getUUID("id") != null) {
          found.add(row);
        }
      });
      return SqlValues.page(found, limit, "scans", ScanStore::toJson, row -> SqlValues.time(row, "created_at"));
    });
  }

  /**
   * {@code {latest, scans, truncated}} for the stream's replay (see
   * {@code Addresses.SCANS_SINCE}): up to {@code limit} scans after {@code after} (none asked
   * for when it is null); when more than {@code limit} were stored, none and
   * {@code truncated: true}. The existence check and the replay travel together on the pipeline.
   */
  Future<JsonObject> since(UUID tableId, ScanCursor after, int limit) {
    Future<Row> scope = client.preparedQuery(LATEST).execute(Tuple.of(tableId)).map(rows -> rows.iterator().next());
    Future<RowSet<Row>> missed = after == null
        ? Future.succeededFuture()
        : client.preparedQuery(SINCE).execute(Tuple.of(tableId, OffsetDateTime.parse(after.createdAt()), after.uuid(), limit + 1));
    return Future.all(scope, missed).map(both -> {
      Row found = scope.result();
      if (found.getUUID("table_id") == null) {
        throw ServiceFailure.notFound("table " + tableId + " does not exist");
      }
      ScanCursor latest = found.getUUID("id") == null
          ? ScanCursor.START
          : new ScanCursor(SqlValues.time(found, "created_at"), found.getUUID("id").toString());
      JsonArray scans = new JsonArray();
      RowSet<Row> rows = missed.result();
      boolean truncated = rows != null && rows.size() > limit;
      if (rows != null && !truncated) {
        rows.forEach(row -> scans.add(ScanStore.toJson(row)));
      }
      return new JsonObject().put("latest", latest.encode()).put("scans", scans).put("truncated", truncated);
    });
  }

  private static OffsetDateTime parseTime(String key) {
    try {
      return OffsetDateTime.parse(key);
    } catch (DateTimeParseException e) {
      throw ServiceFailure.invalid("before", "is not a cursor returned by this API");
    }
  }
}

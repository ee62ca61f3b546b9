package com.maticsapp.scan.data;

import com.maticsapp.scan.auth.Caller;
import com.maticsapp.scan.auth.Permission;
import com.maticsapp.scan.contract.ServiceFailure;
import com.maticsapp.scan.contract.SyncCursor;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.UUID;

/**
 * A phone's copy of one barcode column (docs/offline.md): the snapshot, read page by page in
 * keyset order, and deltas since a {@link SyncCursor}. Each page and each delta is one
 * statement that also checks the caller's access and, when the phone names its device, records
 * the sync on it. Rows leave PostgreSQL already as JSON text: the service passes them on
 * without building an object per row.
 */
final class SyncStore {

  /**
   * Resolves table and column, the caller's role ({@link Permission#SNAPSHOT}: readers, or a live
   * guest on its own column), the cells a phone needs (the column's display columns and the
   * columns its conditions read: nothing else of a row, for members and guests alike) and the
   * statement's snapshot. Shared by the page and the delta statements.
   */
  private static final String TARGET = """
      target AS (
        SELECT t.id AS table_id, t.id IS NOT NULL AS table_found, c.id AS column_id, c.name AS column_name,
               c.column_type, c.settings, access.role AS caller_role, h.pruned_through,
               pg_current_snapshot() AS snapshot,
               coalesce(c.column_type = 'barcode'
                        AND (access.role = ANY (matic_roles('snapshot')) OR access.role = 'guest:' || c.id), false) AS allowed,
               -- NULL: no display_columns, so a row is shown (and copied) whole, as a scan's candidates are.
               CASE WHEN jsonb_typeof(c.settings -> 'display_columns') = 'array' THEN
                 ARRAY(SELECT DISTINCT cell FROM (
                         SELECT jsonb_array_elements_text(c.settings -> 'display_columns') AS cell
                         UNION ALL
                         SELECT condition ->> 'column'
                         FROM jsonb_array_elements(CASE WHEN jsonb_typeof(c.settings -> 'accept_if') = 'array'
                                                        THEN c.settings -> 'accept_if' ELSE '[]' END) AS condition
                       ) cells WHERE cell IS NOT NULL ORDER BY cell)
               END AS cells,
               -- The types of the columns the rules name (an input an action writes is checked against its column).
               (SELECT coalesce(jsonb_object_agg(tc.name, tc.column_type), '{}')
                FROM table_columns tc
                WHERE tc.table_id = t.id AND tc.name IN (
                  SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(c.settings -> 'display_columns') = 'array'
                                                        THEN c.settings -> 'display_columns' ELSE '[]' END)
                  UNION ALL
                  SELECT item ->> 'column'
                  FROM jsonb_array_elements(
                         CASE WHEN jsonb_typeof(c.settings -> 'accept_if') = 'array' THEN c.settings -> 'accept_if' ELSE '[]' END
                         || CASE WHEN jsonb_typeof(c.settings -> 'on_accept') = 'array' THEN c.settings -> 'on_accept' ELSE '[]' END) AS item))
                 AS column_types
        FROM (SELECT 1) AS one
        LEFT JOIN data_tables t ON t.id = $1
        LEFT JOIN table_columns c ON c.table_id = t.id AND c.id = $2
        LEFT JOIN table_change_horizons h ON h.table_id = t.id
        CROSS JOIN LATERAL matic_access($1, $3, $4, $5) AS access
      )
      """;

  /**
   * Records the sync on the device the phone named ($6, with $7 app version and $8 label), once
   * the caller is allowed: last seen, last synced, the cursor it was answered with. Only when
   * $9 (the first page of a snapshot, or a delta that is answered).
   */
  private static final String TOUCH_DEVICE = """
      touched AS (
        INSERT INTO devices AS d (table_id, device_id, pairing_id, user_id, app_version, label,
                                  last_seen_at, last_sync_at, last_sync_column, last_sync_snapshot)
        SELECT target.table_id, $6, $4, $3, $7, $8, now(), now(), target.column_id, target.snapshot
        FROM target
        WHERE target.allowed AND $6::text IS NOT NULL AND $9::boolean
        ON CONFLICT (table_id, device_id) DO UPDATE
          SET last_seen_at = now(), last_sync_at = now(),
              last_sync_column = EXCLUDED.last_sync_column, last_sync_snapshot = EXCLUDED.last_sync_snapshot,
              app_version = coalesce(EXCLUDED.app_version, d.app_version),
              label = coalesce(EXCLUDED.label, d.label),
              pairing_id = coalesce(EXCLUDED.pairing_id, d.pairing_id),
              user_id = coalesce(EXCLUDED.user_id, d.user_id)
        RETURNING 1
      )
      """;

  /**
   * One row of a phone's copy, as JSON text: its id, its normalised values in the column, the
   * cells the phone needs, its counters and its scan state in this column (docs/scan-rules.md).
   * {@code r} is the row, {@code v.vals} its values.
   */
  private static final String ROW_DOC = """
      json_build_object(
        'id', r.id,
        'values', v.vals,
        'cells', CASE WHEN target.cells IS NULL THEN r.data
                      ELSE coalesce((SELECT jsonb_object_agg(cell, r.data -> cell) FROM unnest(target.cells) AS cell WHERE r.data ? cell), '{}') END,
        'scan_count', r.scan_count,
        'last_scanned_at', to_char(r.last_scanned_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'state', coalesce(r.scan_state -> target.column_id::text, '{}')
      )::text
      """;

  /** The row's values in the column, or NULL when it has none (then it is not in the copy). */
  private static final String ROW_VALUES = """
      SELECT array_agg(b.normalized ORDER BY b.normalized) AS vals
      FROM barcode_values b WHERE b.row_id = r.id AND b.column_id = target.column_id
      """;

  /**
   * One page of the snapshot: the live rows that have a value in the column, after the keyset
   * ($10 position, $11 id) in (position, id) order, at most $12 of them. Always at least one
   * row (the target's), so a refusal or an empty page still says why.
   */
  static final String SNAPSHOT_PAGE = "WITH " + TARGET + ",\n" + TOUCH_DEVICE + """
      ,
      page AS (
        SELECT r.position, r.id,
""" + ROW_DOC + """
       AS doc
        FROM target
        -- $1, not target.table_id: with the table named by a parameter the planner walks
        -- table_rows_page from the keyset and stops after $12 rows; joined to the CTE's value
        -- it read and sorted the whole rest of the table for every page.
        JOIN table_rows r ON r.table_id = $1
        CROSS JOIN LATERAL (
""" + ROW_VALUES + """
      ) v
        WHERE target.allowed AND NOT r.is_archived AND (r.position, r.id) > ($10, $11) AND v.vals IS NOT NULL
        ORDER BY r.position, r.id
        LIMIT $12
      )
      SELECT target.table_found, target.column_id AS resolved_column_id, target.column_name, target.column_type,
             target.settings, target.column_types, target.caller_role, target.snapshot::text AS snapshot,
             to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS server_time,
             (SELECT count(*) FROM touched) AS touched,
             page.position, page.id, page.doc
      FROM target LEFT JOIN page ON true
      ORDER BY page.position, page.id
      """;

  /**
   * What changed since the cursor $9 (a pg_snapshot as text): the rows with a change its snapshot did not see,
   * each as its current document when it is still in the copy (live, with a value in the
   * column), or as a tombstone (document NULL) when it is not; and per row still in the copy,
   * the values it lost. {@code stale} says why no delta can be given: the cursor is older than
   * what pruning kept, was never issued by this database, or a column changed since (the copy's
   * rules or cells are out of date). At most $10 rows: more, and {@code changed_rows} says so.
   */
  static final String DELTA = "WITH " + TARGET + """
      ,
      judged AS (
        SELECT target.*,
               CASE WHEN NOT target.allowed THEN NULL
                    WHEN target.pruned_through IS NOT NULL AND target.pruned_through >= pg_snapshot_xmin($9::text::pg_snapshot) THEN 'pruned'
                    WHEN pg_snapshot_xmax($9::text::pg_snapshot) > pg_snapshot_xmax(target.snapshot) THEN 'unknown'
                    WHEN EXISTS (SELECT 1 FROM table_changes ch
                                 WHERE ch.table_id = target.table_id AND ch.kind = 'columns'
                                   AND ch.changed_xid >= pg_snapshot_xmin($9::text::pg_snapshot)
                                   AND NOT pg_visible_in_snapshot(ch.changed_xid, $9::text::pg_snapshot))
                      THEN 'columns'
               END AS stale
        FROM target
      ),
      recent AS MATERIALIZED (
        SELECT ch.kind, ch.row_id, ch.value
        FROM judged JOIN table_changes ch ON ch.table_id = $1
                                           AND ch.changed_xid >= pg_snapshot_xmin($9::text::pg_snapshot)
        WHERE judged.allowed AND judged.stale IS NULL AND NOT pg_visible_in_snapshot(ch.changed_xid, $9::text::pg_snapshot)
          AND (ch.kind = 'row' OR (ch.kind = 'value' AND ch.column_id = judged.column_id))
      ),
      changed AS (
        SELECT DISTINCT row_id FROM recent LIMIT $10 + 1
      ),
      answerable AS (
        SELECT judged.allowed AND judged.stale IS NULL AND (SELECT count(*) FROM changed) <= $10 AS yes FROM judged
      ),
      """ + TOUCH_DEVICE.replace("$9::boolean", "(SELECT yes FROM answerable)") + """
      ,
      lost AS (
        SELECT row_id, array_agg(DISTINCT value) AS vals FROM recent WHERE kind = 'value' GROUP BY row_id
      ),
      delta AS (
        SELECT ch.row_id,
               CASE WHEN v.vals IS NOT NULL THEN
""" + ROW_DOC + """
       END AS doc,
               CASE WHEN v.vals IS NOT NULL THEN
                 ARRAY(SELECT x FROM unnest(lost.vals) AS x WHERE NOT x = ANY (v.vals) ORDER BY x) END AS removed_values
        FROM target
        CROSS JOIN changed ch
        LEFT JOIN table_rows r ON r.id = ch.row_id AND r.table_id = target.table_id AND NOT r.is_archived
        LEFT JOIN LATERAL (
""" + ROW_VALUES + """
      ) v ON r.id IS NOT NULL
        LEFT JOIN lost ON lost.row_id = ch.row_id
        WHERE (SELECT yes FROM answerable)
      )
      SELECT judged.table_found, judged.column_id AS resolved_column_id, judged.column_name, judged.column_type,
             judged.settings, judged.column_types, judged.caller_role, judged.snapshot::text AS snapshot, judged.stale,
             to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS server_time,
             (SELECT count(*) FROM changed) AS changed_rows, (SELECT count(*) FROM touched) AS touched,
             delta.row_id, delta.doc, delta.removed_values
      FROM judged LEFT JOIN delta ON true
      ORDER BY delta.row_id
      """;

  private final SqlClient client;

  SyncStore(SqlClient client) {
    this.client = client;
  }

  /** Where a page starts: after this (position, id); {@link #START} for the first page. */
  record Keyset(long position, UUID id) {
    static final Keyset START = new Keyset(Long.MIN_VALUE, new UUID(0, 0));
  }

  /** Who is syncing: the device the phone named (null: none), its app version and label. */
  record Device(String id, String appVersion, String label) {}

  /**
   * One page of the snapshot: {@code {column, cursor, server_time, rows_json, rows, next}} where
   * {@code rows_json} is the page's row documents joined by commas, {@code rows} how many, and
   * {@code next} the keyset of the next page (absent after the last one). The header fields
   * ({@code column}, {@code cursor}, {@code server_time}) are those of this page's statement;
   * the stream takes them from its first page.
   */
  Future<JsonObject> page(Caller caller, UUID tableId, UUID columnId, Device device, Keyset after, int limit) {
    boolean first = after.equals(Keyset.START);
    Tuple params = params(caller, tableId, columnId, device).addBoolean(first)
        .addLong(after.position()).addUUID(after.id()).addInteger(limit);
    return client.preparedQuery(SNAPSHOT_PAGE).execute(params).map(rows -> {
      Row head = rows.iterator().next();
      check(head, tableId, columnId);
      StringBuilder docs = new StringBuilder();
      int count = 0;
      Long lastPosition = null;
      UUID lastId = null;
      for (Row row : rows) {
        if (row.getUUID("id") == null) {
          continue;
        }
        if (count++ > 0) {
          docs.append(',');
        }
        docs.append(row.getString("doc"));
        lastPosition = row.getLong("position");
        lastId = row.getUUID("id");
      }
      JsonObject page = header(head, columnId).put("rows_json", docs.toString()).put("rows", count);
      if (count == limit) {
        page.put("next", new Cursor(Long.toString(lastPosition), lastId).encode());
      }
      return page;
    });
  }

  /**
   * The delta since {@code since}: {@code {column, cursor, since, server_time, rows_json, rows,
   * removed_rows, removed_values}}; a 410 when the copy must be downloaded again.
   */
  Future<JsonObject> delta(Caller caller, UUID tableId, SyncCursor since, Device device, int maxRows) {
    Tuple params = params(caller, tableId, since.columnId(), device).addString(since.snapshot()).addInteger(maxRows);
    return client.preparedQuery(DELTA).execute(params).map(rows -> toDelta(rows, tableId, since, maxRows));
  }

  private static JsonObject toDelta(RowSet<Row> rows, UUID tableId, SyncCursor since, int maxRows) {
    Row head = rows.iterator().next();
    check(head, tableId, since.columnId());
    String stale = head.getString("stale");
    if (stale != null) {
      throw gone(switch (stale) {
        case "pruned" -> "the cursor is older than the changes this service keeps";
        case "columns" -> "the table's columns or the column's rules changed since the cursor";
        default -> "the cursor was not issued by this database";
      });
    }
    if (head.getLong("changed_rows") > maxRows) {
      throw gone("more than " + maxRows + " rows changed since the cursor");
    }
    StringBuilder docs = new StringBuilder();
    int count = 0;
    JsonArray removedRows = new JsonArray();
    JsonArray removedValues = new JsonArray();
    for (Row row : rows) {
      UUID rowId = row.getUUID("row_id");
      if (rowId == null) {
        continue;
      }
      String doc = row.getString("doc");
      if (doc == null) {
        removedRows.add(rowId.toString());
        continue;
      }
      if (count++ > 0) {
        docs.append(',');
      }
      docs.append(doc);
      for (String value : row.getArrayOfStrings("removed_values")) {
        removedValues.add(new JsonObject().put("row_id", rowId.toString()).put("value", value));
      }
    }
    return header(head, since.columnId())
        .put("since", since.encode())
        .put("rows_json", docs.toString())
        .put("rows", count)
        .put("removed_rows", removedRows)
        .put("removed_values", removedValues);
  }

  private static Tuple params(Caller caller, UUID tableId, UUID columnId, Device device) {
    return Tuple.of(tableId, columnId, caller.memberId(), caller.pairingId())
        .addString(caller.deviceId())
        .addString(device.id())
        .addString(device.appVersion())
        .addString(device.label());
  }

  /** Access first (a caller without it learns nothing of the columns), then the column itself. */
  private static void check(Row head, UUID tableId, UUID columnId) {
    Permission.SNAPSHOT.require(head.getString("caller_role"), head.getUUID("resolved_column_id"),
        "table " + tableId + " does not exist");
    if (head.getUUID("resolved_column_id") == null) {
      throw ServiceFailure.noSuchColumn(tableId, columnId, null);
    }
    if (!"barcode".equals(head.getString("column_type"))) {
      throw ServiceFailure.invalid("column_id", "is a " + head.getString("column_type") + " column, not a barcode column");
    }
  }

  private static JsonObject header(Row head, UUID columnId) {
    return new JsonObject()
        .put("column", new JsonObject()
            .put("id", columnId.toString())
            .put("name", head.getString("column_name"))
            .put("settings", head.getValue("settings"))
            .put("column_types", head.getValue("column_types")))
        .put("cursor", SyncCursor.of(columnId, head.getString("snapshot")).encode())
        .put("server_time", head.getString("server_time"));
  }

  static ServiceFailure gone(String detail) {
    return new ServiceFailure(410, "Gone", detail + "; download a new snapshot", java.util.List.of());
  }
}

package com.maticsapp.scan.data;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.List;
import java.util.UUID;

/**
 * Erasing personal data for real (docs/security.md, "Personal data: erasure and retention"):
 * rows and tables deleted together with every copy of their cells in scan_history, and the
 * per-workspace retention of those copies. Each operation is one statement, so no copy
 * outlives the row by even a moment and nothing is left half done. The webhook outbox is a
 * copy too: the events that copied the rows' cells (queued or already delivered, V19_2) keep
 * the event and lose the cells ({@code matic_webhook_erase}), and the receivers' response
 * snippets logged for them go, since a receiver may echo what it was sent.
 *
 * <p>What a history entry keeps: its id, time, table, column, the scanned barcode, status and
 * decision, device and author, and {@code matched_row_ids} (opaque ids of rows that no longer
 * exist). What goes: {@code matched_rows} (the copies of the matched rows' cells),
 * {@code cell_changes} (cell values before and after a scan's actions), {@code undo_state} and
 * {@code decision_detail} (which may name candidates' cells).
 */
final class ErasureStore {

  /**
   * The rows, and in the same statement their cells in every history entry of the table that
   * copied them. Matched row ids stay: the fact and the time of each scan remain.
   */
  static final String DELETE_ROWS = """
      WITH gone AS (
        DELETE FROM table_rows WHERE table_id = $1 AND id = ANY($2::uuid[])
        RETURNING id
      ), erased AS (
        UPDATE scan_history h
        SET matched_rows = coalesce((SELECT jsonb_agg(m ORDER BY n) FROM jsonb_array_elements(h.matched_rows) WITH ORDINALITY AS e(m, n)
                                     WHERE NOT (m ->> 'id') = ANY(SELECT id::text FROM gone)), '[]'),
            cell_changes = coalesce((SELECT jsonb_agg(c ORDER BY n) FROM jsonb_array_elements(h.cell_changes) WITH ORDINALITY AS e(c, n)
                                     WHERE NOT (c ->> 'row_id') = ANY(SELECT id::text FROM gone)), '[]'),
            undo_state = CASE WHEN h.undo_state IS NULL THEN NULL
                              ELSE h.undo_state - ARRAY(SELECT id::text FROM gone) END,
            decision_detail = NULL
        WHERE h.table_id = $1 AND h.matched_row_ids && ARRAY(SELECT id FROM gone)
        RETURNING h.id
      ), outbox AS (
        UPDATE webhook_deliveries d
        SET payload = matic_webhook_erase(d.event_type, d.payload, ARRAY(SELECT id FROM gone)), erased_at = now()
        WHERE d.row_ids && ARRAY(SELECT id FROM gone)
        RETURNING d.id
      ), snippets AS (
        UPDATE webhook_attempts a SET response = NULL
        WHERE a.delivery_id IN (SELECT id FROM outbox) AND a.response IS NOT NULL
      )
      SELECT (SELECT count(*) FROM gone) AS deleted, (SELECT count(*) FROM erased) AS history_entries_erased
      """;

  /**
   * The table with everything of it: columns, rows, barcode index, pairings, import jobs and
   * their staging rows cascade or go here; its scan history goes with it (foreign key); its
   * webhook events lose their cells (an endpoint filtered to the table goes with it).
   */
  static final String DELETE_TABLE = """
      WITH staging AS (
        DELETE FROM import_staging WHERE job_id IN (SELECT id FROM import_jobs WHERE table_id = $1)
      ), outbox AS (
        UPDATE webhook_deliveries d
        SET payload = matic_webhook_erase(d.event_type, d.payload, NULL), row_ids = '{}', erased_at = now()
        WHERE d.table_id = $1
        RETURNING d.id
      ), snippets AS (
        UPDATE webhook_attempts a SET response = NULL
        WHERE a.delivery_id IN (SELECT id FROM outbox) AND a.response IS NOT NULL
      ), gone AS (
        DELETE FROM data_tables WHERE id = $1 RETURNING id
      )
      SELECT count(*) AS deleted FROM gone
      """;

  static final String SET_RETENTION = """
      UPDATE workspaces SET history_retention_days = $2 WHERE id = $1
      RETURNING id, history_retention_days
      """;

  /**
   * One bounded step of the retention sweep: history entries older than their workspace's
   * retention lose their copies of row cells. Walks scan_history_by_table per table of the
   * workspaces that set a retention; the caller repeats while a full step was erased.
   */
  static final String SWEEP = """
      WITH due AS (
        SELECT h.id
        FROM workspaces w
        JOIN data_tables t ON t.workspace_id = w.id
        JOIN scan_history h ON h.table_id = t.id
        WHERE w.history_retention_days IS NOT NULL
          AND h.scanned_at < now() - w.history_retention_days * interval '1 day'
          AND (h.matched_rows <> '[]' OR h.cell_changes <> '[]' OR h.undo_state IS NOT NULL OR h.decision_detail IS NOT NULL)
        LIMIT $1
      )
      UPDATE scan_history h
      SET matched_rows = '[]', cell_changes = '[]', undo_state = NULL, decision_detail = NULL
      FROM due WHERE h.id = due.id
      RETURNING h.id
      """;

  private final SqlClient client;

  ErasureStore(SqlClient client) {
    this.client = client;
  }

  Future<JsonObject> deleteRows(UUID tableId, List<UUID> rowIds) {
    return client.preparedQuery(DELETE_ROWS).execute(Tuple.of(tableId).addArrayOfUUID(rowIds.toArray(UUID[]::new))).map(rows -> {
      Row row = rows.iterator().next();
      return new JsonObject().put("deleted", row.getLong("deleted"))
          .put("history_entries_erased", row.getLong("history_entries_erased"));
    });
  }

  Future<Long> deleteTable(UUID tableId) {
    return client.preparedQuery(DELETE_TABLE).execute(Tuple.of(tableId)).map(rows -> rows.iterator().next().getLong("deleted"));
  }

  Future<JsonObject> setRetention(UUID workspaceId, Integer days) {
    return client.preparedQuery(SET_RETENTION).execute(Tuple.of(workspaceId, days)).map(rows -> rows.size() == 0 ? null
        : new JsonObject().put("workspace_id", SqlValues.uuid(rows.iterator().next(), "id"))
            .put("history_copies_days", rows.iterator().next().getInteger("history_retention_days")));
  }

  /** History entries whose copies were erased by one step. */
  Future<Integer> sweep(int limit) {
    return client.preparedQuery(SWEEP).execute(Tuple.of(limit)).map(rows -> rows.rowCount());
  }
}

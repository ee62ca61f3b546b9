package com.maticsapp.scan.data;

import com.maticsapp.scan.auth.Caller;
import com.maticsapp.scan.auth.Permission;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.UUID;

/**
 * Undoing an accepted scan in ONE statement (docs/scan-rules.md, "Undo"): the scan's history
 * row is locked first, then the rows it changed (FOR UPDATE, in id order, their latest
 * versions), so an undo never interleaves with a scan of the same row or another undo of the
 * same scan; the decision whether the caller may undo is made in the statement too, with the
 * roles bound from {@link Permission}.
 */
final class UndoStore {

  static final String UNDO_SCAN = """
      WITH target AS (
        SELECT h.*, access.role AS caller_role,
               coalesce(access.role = ANY ($5::text[])
                        OR (access.role = ANY ($6::text[]) AND h.created_by = $2)
                        OR (access.role = 'guest:' || h.column_id AND h.pairing_id = $3), false) AS allowed
        FROM scan_history h
        -- A guest's undo carries its token's device: a revoked device ends the token (V13_1).
        CROSS JOIN LATERAL matic_access(h.table_id, $2, $3, CASE WHEN $3::uuid IS NOT NULL THEN $7 END) AS access
        WHERE h.id = $1
        FOR UPDATE OF h
      ),
      undoable AS (
        SELECT * FROM target WHERE allowed AND decision = 'accepted' AND undone_at IS NULL AND undo_state IS NOT NULL
      ),
      locked AS (
        SELECT r.id, r.data, r.scan_state, r.last_scanned_at, r.is_archived
        FROM table_rows r
        WHERE r.id IN (SELECT k::uuid FROM undoable u CROSS JOIN LATERAL jsonb_object_keys(u.undo_state) AS k)
        ORDER BY r.id
        FOR UPDATE OF r
      ),
      per_row AS (
        SELECT l.id AS row_id, u.column_id, l.last_scanned_at, u.scanned_at, l.is_archived,
               l.scan_state -> u.column_id::text AS now_state,
               u.undo_state -> l.id::text AS before,
               coalesce((l.scan_state -> u.column_id::text ->> 'last_scan_id') = u.id::text, false) AS is_last
        FROM undoable u JOIN locked l ON u.undo_state ? l.id::text
      ),
      cells AS (
        SELECT c.change ->> 'row_id' AS row_id, c.change ->> 'column' AS col, c.change -> 'before' AS before,
               coalesce(l.data -> (c.change ->> 'column'), 'null'::jsonb) = c.change -> 'after' AS restorable
        FROM undoable u
        CROSS JOIN LATERAL jsonb_array_elements(u.cell_changes) AS c(change)
        JOIN locked l ON l.id::text = c.change ->> 'row_id'
      ),
      row_updates AS (
        SELECT p.row_id, p.column_id, p.is_last, p.is_archived,
               coalesce((p.now_state ->> 'accepted')::int, 1) AS accepted_before,
               coalesce((p.now_state ->> 'inside')::boolean, false) AS inside_before,
               CASE WHEN p.is_last
                    THEN coalesce(nullif(p.before -> 'state', 'null'::jsonb), '{"inside": false, "last_scan_id": null, "last_accepted_at": null,
                                                         "last_device_id": null, "last_scanned_by": null}'::jsonb)
                    ELSE p.now_state END
                 || jsonb_build_object('accepted', greatest(coalesce((p.now_state ->> 'accepted')::int, 1) - 1, 0)) AS new_state,
               (SELECT jsonb_object_agg(c.col, c.before) FROM cells c WHERE c.row_id = p.row_id::text AND c.restorable) AS restored,
               CASE WHEN p.last_scanned_at = p.scanned_at THEN (p.before ->> 'last_scanned_at')::timestamptz
                    ELSE p.last_scanned_at END AS last_scanned_at
        FROM per_row p
      ),
      reverted AS (
        UPDATE table_rows r
        SET scan_count = greatest(r.scan_count - 1, 0),
            scan_state = r.scan_state || jsonb_build_object(u.column_id::text, u.new_state),
            last_scanned_at = u.last_scanned_at,
            data = coalesce(r.data || u.restored, r.data),
            updated_at = CASE WHEN u.restored IS NULL THEN r.updated_at ELSE now() END
        FROM row_updates u
        WHERE r.id = u.row_id
      ),
      marked AS (
        UPDATE scan_history h
        SET undone_at = now(), undone_by = coalesce($2, 'guest:' || $3), undo_reason = $4,
            undo_result = jsonb_build_object(
              'cells_restored', coalesce((SELECT jsonb_agg(jsonb_build_object('row_id', c.row_id, 'column', c.col))
                                          FROM cells c WHERE c.restorable), '[]'),
              'cells_kept', coalesce((SELECT jsonb_agg(jsonb_build_object('row_id', c.row_id, 'column', c.col))
                                      FROM cells c WHERE NOT c.restorable), '[]'),
              'state_kept', coalesce((SELECT bool_or(NOT p.is_last) FROM per_row p), false))
        FROM undoable u
        WHERE h.id = u.id
        RETURNING h.undone_at, h.undone_by, h.undo_reason, h.undo_result
      ),
      tallied AS (
        INSERT INTO scan_counters AS c (column_id, shard, table_id, rows_accepted, inside, accepted, undone)
        SELECT u.column_id, matic_counter_shard(), u.table_id,
               -- Live rows only: an archived row left rows_accepted and inside when it was archived (V17_1).
               -(SELECT count(*) FROM row_updates r
                 WHERE NOT r.is_archived AND r.accepted_before > 0 AND (r.new_state ->> 'accepted')::int = 0),
               (SELECT coalesce(sum((r.new_state ->> 'inside')::boolean::int - r.inside_before::int), 0)
                FROM row_updates r WHERE NOT r.is_archived),
               -1, 1
        FROM undoable u
        ON CONFLICT (column_id, shard) DO UPDATE SET
          rows_accepted = c.rows_accepted + EXCLUDED.rows_accepted,
          inside = c.inside + EXCLUDED.inside,
          accepted = c.accepted + EXCLUDED.accepted,
          undone = c.undone + EXCLUDED.undone
      )
      SELECT t.*, m.undone_at IS NOT NULL AS undone_now,
             m.undone_at AS marked_at, m.undone_by AS marked_by, m.undo_reason AS marked_reason, m.undo_result AS marked_result,
             -- What a guest is shown of the rows (V17_1): their display cells only.
             CASE WHEN $3::uuid IS NOT NULL THEN matic_guest_rows(c.settings, t.matched_rows) END AS guest_matched_rows,
             CASE WHEN $3::uuid IS NOT NULL THEN matic_guest_changes(c.settings, t.cell_changes) END AS guest_cell_changes
      FROM (SELECT 1) AS one
      LEFT JOIN target t ON true
      LEFT JOIN marked m ON true
      LEFT JOIN table_columns c ON c.id = t.column_id
      """;

  private final SqlClient client;

  UndoStore(SqlClient client) {
    this.client = client;
  }

  /** The one result row: the scan as locked (no id when there is none), and whether this statement undid it. */
  Future<Row> undo(UUID scanId, Caller caller, String reason) {
    return client.preparedQuery(UNDO_SCAN).execute(Tuple.of(scanId, caller.memberId(), caller.pairingId(), reason)
            .addArrayOfString(Permission.EDIT.roles()).addArrayOfString(Permission.SCAN.roles()).addString(caller.deviceId()))
        .map(rows -> rows.iterator().next());
  }
}

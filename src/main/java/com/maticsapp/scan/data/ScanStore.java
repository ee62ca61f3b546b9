package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.ScanOutcome;
import com.maticsapp.scan.contract.ScanRequest;
import com.maticsapp.scan.auth.Permission;
import com.maticsapp.scan.contract.ServiceFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Recording scans: lookup, history insert and counter bumps for any number of scans in ONE
 * statement, so a scan costs one pipelined round trip and is atomic on its own.
 */
final class ScanStore {

  /**
   * One statement for a whole batch (a single scan is a batch of one): it decides every scan
   * (docs/scan-rules.md) and records it. The request arrives as parallel arrays; per item it
   * resolves table and column, normalises the barcode with the column's rule, probes
   * barcode_values, locks the matched rows (FOR UPDATE, in id order) and judges each scan on
   * the locked row's state and cells, inserts the history row with its decision (ON CONFLICT
   * (id) DO NOTHING: the client's id is the idempotency key), and only for history rows this
   * statement really inserted, writes the rows (scan_count, last_scanned_at, scan_state, the
   * actions' cells) and the door's counters. Scans of one row after its first acceptance in
   * the statement are left undecided ("deferred") and sent again by {@link #record}; a once
   * column's are refused by that acceptance instead. The last SELECT reports, per item, what
   * was found and the stored scan: the new one, or for a replay the one recorded earlier.
   * docs/architecture.md explains why this is race-safe.
   */
  static final String RECORD_SCANS = """
      WITH req AS (
        SELECT * FROM unnest($1::int[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::timestamptz[], $8::text[], $9::text[], $10::text[],
                             $12::text[], $13::uuid[], $14::uuid[], $15::text[], $16::text[], $17::text[])
          AS r(ord, id, table_id, column_id, column_name, barcode, scanned_at, source, device_id, metadata, member_id, pairing_id,
               row_id, direction, inputs, offline)
      ),
      resolved AS (
        SELECT req.ord, coalesce(req.id, gen_random_uuid()) AS scan_id,
               req.table_id, req.barcode, coalesce(req.scanned_at, now()) AS scanned_at, req.source, req.device_id,
               coalesce(req.metadata::jsonb, '{}') AS metadata, req.inputs::jsonb AS inputs,
               req.member_id, req.pairing_id, coalesce(req.member_id, 'guest:' || req.pairing_id) AS created_by,
               req.row_id AS chosen_row_id, req.direction AS asked_direction,
               -- Decided at the door from the phone's copy (docs/offline.md): a fact to record.
               req.offline::jsonb AS offline, req.offline::jsonb ->> 'decision' AS offline_decision,
               access.role AS caller_role,
               t.workspace_id, c.id AS column_id, c.name AS column_name, c.column_type, coalesce(c.settings, '{}') AS settings,
               CASE WHEN c.column_type = 'barcode'
                    THEN matic_normalize_barcode(coalesce(c.settings ->> 'normalization', 'exact'), req.barcode) END AS normalized
        FROM req
        LEFT JOIN data_tables t ON t.id = req.table_id
        LEFT JOIN table_columns c ON c.table_id = t.id
                                 AND (c.id = req.column_id OR (req.column_id IS NULL AND c.name = req.column_name))
        -- A guest's scan carries its token's device (ScanRequest.by): a revoked device ends the token.
        CROSS JOIN LATERAL matic_access(req.table_id, req.member_id, req.pairing_id,
                                        CASE WHEN req.pairing_id IS NOT NULL THEN req.device_id END) AS access
      ),
      -- Only scanners and up, or a live guest on its own column, may record (Permission.SCAN).
      -- A plain column (count mode, no conditions, no actions) counts every matched row.
      target AS (
        SELECT resolved.*,
               coalesce(caller_role = ANY (matic_roles('scan')) OR caller_role = 'guest:' || column_id, false) AS allowed,
               coalesce(metadata -> 'guest' ->> 'scanner_name', created_by) AS scanner,
               coalesce(settings ->> 'mode', 'count') AS mode,
               (coalesce(settings ->> 'mode', 'count') = 'count'
                AND coalesce(jsonb_array_length(settings -> 'accept_if'), 0) = 0
                AND coalesce(jsonb_array_length(settings -> 'on_accept'), 0) = 0) AS plain,
               coalesce((settings ->> 'valid_from')::timestamptz > scanned_at
                        OR (settings ->> 'valid_until')::timestamptz <= scanned_at, false) AS outside_window
        FROM resolved
      ),
      matches AS (
        SELECT t.ord, m.row_ids, m.rows,
               row_number() OVER (PARTITION BY t.scan_id ORDER BY t.ord) AS nth
        FROM target t
        CROSS JOIN LATERAL (
          SELECT coalesce(array_agg(r.id ORDER BY r.position, r.id), '{}') AS row_ids,
                 coalesce(jsonb_agg(jsonb_build_object('id', r.id, 'data', r.data) ORDER BY r.position, r.id), '[]') AS rows
          FROM (SELECT r.id, r.position, r.data
                FROM barcode_values b JOIN table_rows r ON r.id = b.row_id
                WHERE b.column_id = t.column_id AND b.normalized = t.normalized AND NOT r.is_archived
                  AND (t.chosen_row_id IS NULL OR r.id = t.chosen_row_id)
                ORDER BY r.position, r.id
                LIMIT $11) r
        ) m
        WHERE t.normalized IS NOT NULL AND t.allowed
      ),
      -- The scans this statement decides: ids not stored yet, each id once. The decisions that
      -- need no row state come first. An offline refusal is one (it changes nothing); an
      -- offline acceptance of no row, or of several, is accepted as a conflict.
      fresh AS (
        SELECT t.*, m.row_ids, m.rows,
               CASE WHEN t.offline_decision <> 'accepted' THEN t.offline_decision
                    WHEN cardinality(m.row_ids) = 0 THEN coalesce(t.offline_decision, 'not_found')
                    WHEN NOT t.plain AND cardinality(m.row_ids) > 1 THEN coalesce(t.offline_decision, 'ambiguous')
                    WHEN t.outside_window AND t.offline_decision IS NULL THEN 'outside_window' END AS early_decision,
               CASE WHEN t.offline_decision = 'accepted' THEN
                 CASE WHEN cardinality(m.row_ids) = 0 THEN 'not_found'
                      WHEN NOT t.plain AND cardinality(m.row_ids) > 1 THEN 'ambiguous'
                      WHEN t.plain AND t.outside_window THEN 'outside_window' END
               END AS early_conflict
        FROM target t JOIN matches m ON m.ord = t.ord
        WHERE m.nth = 1 AND NOT EXISTS (SELECT 1 FROM scan_history e WHERE e.id = t.scan_id)
      ),
      -- Every row a scan may change is locked, in id order (two statements never wait on each
      -- other in a cycle). FOR UPDATE waits for a concurrent statement holding the row and then
      -- returns the row's LATEST committed version: state and cells are read at the moment
      -- they are locked, whatever this statement's snapshot saw.
      locked AS (
        SELECT r.id, r.data, r.scan_state, r.last_scanned_at, r.is_archived
        FROM table_rows r
        WHERE r.id IN (SELECT unnest(f.row_ids) FROM fresh f WHERE f.early_decision IS NULL)
        ORDER BY r.id
        FOR UPDATE OF r
      ),
      -- Each scan of a non-plain column judged against its row's locked state and cells. An
      -- offline acceptance stands; what the service would have refused it for is its conflict
      -- (entry/exit state is no conflict: it is rebuilt in scan-time order, below).
      judged AS (
        SELECT f.ord, f.scan_id, f.column_id, f.mode, l.id AS row_id, l.data, s.state, d.direction,
               fc.idx AS failed_index, fc.cond AS failed_condition, bi.input_key AS bad_input,
               f.offline_decision IS NULL
                 OR f.scanned_at >= coalesce((s.state ->> 'last_accepted_at')::timestamptz, '-infinity') AS newest,
               CASE WHEN f.offline_decision = 'accepted' THEN
                 CASE WHEN l.is_archived THEN 'not_found'
                      WHEN f.mode = 'once' AND coalesce((s.state ->> 'accepted')::int, 0) > 0 THEN 'already_scanned'
                      WHEN f.outside_window THEN 'outside_window'
                      WHEN fc.idx IS NOT NULL THEN 'rule'
                      WHEN bi.input_key IS NOT NULL THEN 'invalid_input' END
               END AS conflict_reason,
               CASE
                 WHEN f.offline_decision = 'accepted' THEN 'accepted'
                 WHEN l.is_archived THEN 'not_found'
                 WHEN f.mode = 'once' AND coalesce((s.state ->> 'accepted')::int, 0) > 0 THEN 'already_scanned'
                 WHEN d.direction = 'entry' AND s.inside THEN 'already_inside'
                 WHEN d.direction = 'exit' AND NOT s.inside THEN 'not_inside'
                 WHEN fc.idx IS NOT NULL THEN 'rule'
                 WHEN bi.input_key IS NOT NULL THEN 'invalid_input'
                 ELSE 'accepted'
               END AS pre_decision
        FROM fresh f
        JOIN locked l ON l.id = f.row_ids[1]
        CROSS JOIN LATERAL (
          SELECT l.scan_state -> f.column_id::text AS state,
                 coalesce((l.scan_state -> f.column_id::text ->> 'inside')::boolean, false) AS inside
        ) s
        CROSS JOIN LATERAL (
          SELECT CASE WHEN f.mode = 'entry_exit'
                      THEN coalesce(f.asked_direction, CASE WHEN s.inside THEN 'exit' ELSE 'entry' END) END AS direction
        ) d
        LEFT JOIN LATERAL (
          SELECT k.n - 1 AS idx, k.cond
          FROM jsonb_array_elements(f.settings -> 'accept_if') WITH ORDINALITY AS k(cond, n)
          WHERE NOT matic_condition_holds(k.cond, l.data)
          ORDER BY k.n LIMIT 1
        ) fc ON true
        LEFT JOIN LATERAL (
          SELECT k.input_key
          FROM jsonb_array_elements(f.settings -> 'on_accept') AS a(action)
          CROSS JOIN LATERAL (SELECT coalesce(a.action ->> 'input', a.action ->> 'column') AS input_key) k
          JOIN table_columns tc ON tc.table_id = f.table_id AND tc.name = a.action ->> 'column'
          WHERE a.action ->> 'from' = 'input' AND f.inputs ? k.input_key
            AND NOT matic_cell_fits(tc.column_type, f.inputs -> k.input_key)
          LIMIT 1
        ) bi ON true
        WHERE NOT f.plain AND f.early_decision IS NULL
      ),
      -- Scans of one row in this statement, in request order: those up to its first acceptance
      -- are decided on the locked state (a refusal changes nothing, so each saw what it would
      -- have seen alone); those after it wait for the next statement (the caller sends them
      -- again), except a once column's, which are already_scanned by that acceptance.
      sequenced AS (
        SELECT j.*,
               min(j.ord) FILTER (WHERE j.pre_decision = 'accepted') OVER (PARTITION BY j.row_id) AS first_accepted_ord
        FROM judged j
      ),
      -- The cells the accepting scan's actions set ({column: value}) and what they change. A
      -- conflict changes no cells, nor does an offline scan older than the row's last accepted
      -- one (the newer scan's cells stand): the desk settles it. MATERIALIZED: referenced once,
      -- it would be inlined into the nested loop below and worked out again for every scan.
      acted AS MATERIALIZED (
        SELECT s.ord,
               coalesce(jsonb_object_agg(v.col, v.val) FILTER (WHERE v.col IS NOT NULL), '{}') AS cells,
               coalesce(jsonb_agg(jsonb_build_object('row_id', s.row_id, 'column', v.col,
                                                     'before', coalesce(s.data -> v.col, 'null'), 'after', v.val) ORDER BY v.n)
                        FILTER (WHERE v.col IS NOT NULL AND (s.data -> v.col) IS DISTINCT FROM v.val), '[]') AS changes
        FROM sequenced s
        JOIN fresh f ON f.ord = s.ord
        LEFT JOIN LATERAL (
          SELECT a.n, a.action ->> 'column' AS col,
                 CASE WHEN a.action ? 'value' THEN a.action -> 'value'
                      WHEN a.action ->> 'from' = 'scanned_at' THEN to_jsonb(matic_json_time(f.scanned_at))
                      WHEN a.action ->> 'from' = 'scanner' THEN to_jsonb(f.scanner)
                      WHEN a.action ->> 'from' = 'device' THEN to_jsonb(f.device_id)
                      WHEN a.action ->> 'from' = 'input' THEN f.inputs -> coalesce(a.action ->> 'input', a.action ->> 'column')
                 END AS val
          FROM jsonb_array_elements(f.settings -> 'on_accept') WITH ORDINALITY AS a(action, n)
        ) v ON v.val IS NOT NULL
        WHERE s.ord = s.first_accepted_ord AND s.conflict_reason IS NULL AND s.newest
        GROUP BY s.ord
      ),
      first_stage AS (
        SELECT f.*, d.row_id AS decided_row_id,
               coalesce(f.early_decision, CASE WHEN f.plain THEN 'accepted' END,
                        CASE WHEN d.first_accepted_ord IS NULL OR d.ord <= d.first_accepted_ord THEN d.pre_decision END) AS decision,
               coalesce(d.direction, CASE WHEN f.mode = 'entry_exit' THEN f.asked_direction END) AS direction,
               -- The phone keeps what it knew of an offline refusal; the upload carries the reason.
               CASE WHEN f.offline_decision IS NOT NULL THEN NULL ELSE CASE coalesce(f.early_decision, d.pre_decision)
                 WHEN 'ambiguous' THEN jsonb_build_object('candidates',
                   (SELECT jsonb_agg(jsonb_build_object('id', mr -> 'id', 'display', matic_display(f.settings, mr -> 'data')))
                    FROM jsonb_array_elements(f.rows) AS mr))
                 WHEN 'already_scanned' THEN jsonb_build_object('earlier_scan', jsonb_build_object(
                   'id', d.state -> 'last_scan_id', 'scanned_at', d.state -> 'last_accepted_at',
                   'device_id', d.state -> 'last_device_id', 'scanned_by', d.state -> 'last_scanned_by'))
                 WHEN 'rule' THEN jsonb_build_object('failed_condition', d.failed_condition || jsonb_build_object('index', d.failed_index))
                 WHEN 'invalid_input' THEN jsonb_build_object('input', d.bad_input)
               END END AS decision_detail,
               CASE WHEN coalesce(f.early_conflict, d.conflict_reason) IS NOT NULL THEN
                 jsonb_build_object('reason', coalesce(f.early_conflict, d.conflict_reason))
                 || CASE d.conflict_reason
                      WHEN 'already_scanned' THEN jsonb_build_object('earlier_scan', jsonb_build_object(
                        'id', d.state -> 'last_scan_id', 'scanned_at', d.state -> 'last_accepted_at',
                        'device_id', d.state -> 'last_device_id', 'scanned_by', d.state -> 'last_scanned_by'))
                      WHEN 'rule' THEN jsonb_build_object('failed_condition', d.failed_condition || jsonb_build_object('index', d.failed_index))
                      WHEN 'invalid_input' THEN jsonb_build_object('input', d.bad_input)
                      ELSE '{}'::jsonb END
               END AS conflict,
               -- A once row's first accepted scan keeps its place in the state (it won).
               coalesce(d.newest AND d.conflict_reason IS DISTINCT FROM 'already_scanned', true) AS newest,
               coalesce(a.changes, '[]') AS cell_changes,
               a.cells
        FROM fresh f
        LEFT JOIN sequenced d ON d.ord = f.ord
        LEFT JOIN acted a ON a.ord = f.ord
      ),
      -- What an undo needs: per row the accepted scan changes, the state and time before it.
      stage_one AS (
        SELECT fs.*,
               CASE WHEN fs.decision = 'accepted' THEN
                 (SELECT jsonb_object_agg(l.id, jsonb_build_object('state', l.scan_state -> fs.column_id::text,
                                                                  'last_scanned_at', matic_json_time(l.last_scanned_at)))
                  FROM locked l WHERE l.id = ANY (CASE WHEN fs.plain THEN fs.row_ids ELSE ARRAY[fs.decided_row_id] END))
               END AS undo_state
        FROM first_stage fs
        WHERE fs.decision IS NOT NULL
      ),
      inserted AS (
        INSERT INTO scan_history (id, workspace_id, table_id, column_id, column_name, barcode, normalized_barcode, status,
                                  matched_row_ids, matched_rows, source, device_id, metadata, scanned_at, created_by, pairing_id,
                                  decision, direction, decision_detail, inputs, cell_changes, undo_state, offline, conflict)
        SELECT s.scan_id, s.workspace_id, s.table_id, s.column_id, s.column_name, s.barcode, s.normalized,
               CASE WHEN cardinality(s.row_ids) > 0 THEN 'success' ELSE 'failure' END,
               s.row_ids, s.rows, s.source, s.device_id, s.metadata, s.scanned_at, s.created_by, s.pairing_id,
               s.decision, s.direction, s.decision_detail, s.inputs, s.cell_changes, s.undo_state, s.offline, s.conflict
        FROM stage_one s
        ORDER BY s.ord
        ON CONFLICT (id) DO NOTHING
        RETURNING *
      ),
      -- A once column's later scans of a row this statement accepted (and stored) are refused by
      -- it; a later offline acceptance is not refused: it waits for the next statement, where
      -- it is a conflict.
      later AS (
        SELECT f.*, jsonb_build_object('earlier_scan', jsonb_build_object(
                 'id', i.id, 'scanned_at', matic_json_time(i.scanned_at), 'device_id', i.device_id, 'scanned_by', fa.scanner)) AS detail
        FROM sequenced s
        JOIN fresh f ON f.ord = s.ord
        JOIN sequenced fs1 ON fs1.row_id = s.row_id AND fs1.ord = s.first_accepted_ord
        JOIN fresh fa ON fa.ord = fs1.ord
        JOIN inserted i ON i.id = fs1.scan_id
        WHERE s.ord > s.first_accepted_ord AND s.mode = 'once' AND fs1.column_id = s.column_id AND f.offline_decision IS NULL
      ),
      inserted_later AS (
        INSERT INTO scan_history (id, workspace_id, table_id, column_id, column_name, barcode, normalized_barcode, status,
                                  matched_row_ids, matched_rows, source, device_id, metadata, scanned_at, created_by, pairing_id,
                                  decision, decision_detail, inputs)
        SELECT l.scan_id, l.workspace_id, l.table_id, l.column_id, l.column_name, l.barcode, l.normalized, 'success',
               l.row_ids, l.rows, l.source, l.device_id, l.metadata, l.scanned_at, l.created_by, l.pairing_id,
               'already_scanned', l.detail, l.inputs
        FROM later l
        ORDER BY l.ord
        ON CONFLICT (id) DO NOTHING
        RETURNING *
      ),
      -- Per row and column, the accepted scans stored by this statement.
      accepted_scans AS (
        SELECT u.row_id, s.column_id, s.ord, s.scan_id, s.scanned_at, s.device_id, s.scanner, s.direction, s.cells, s.newest
        FROM inserted i
        JOIN stage_one s ON s.scan_id = i.id
        CROSS JOIN LATERAL unnest(CASE WHEN s.plain THEN s.row_ids ELSE ARRAY[s.decided_row_id] END) AS u(row_id)
        WHERE s.decision = 'accepted'
      ),
      -- Per row and column, the state the accepted scans leave. The state follows the newest
      -- accepted scan by scan time: a scan decided here is the newest by definition (it was
      -- decided on the current state); an offline scan older than the state's last accepted
      -- scan counts, but leaves inside and last_* as they are, so entry/exit ends as if the
      -- scans had arrived in scan-time order.
      column_states AS (
        SELECT a.row_id, a.column_id, count(*) AS scans, max(a.scanned_at) AS last_at,
               coalesce((l.scan_state -> a.column_id::text ->> 'accepted')::int, 0) AS accepted_before,
               coalesce((l.scan_state -> a.column_id::text ->> 'inside')::boolean, false) AS inside_before,
               l.scan_state -> a.column_id::text AS state_before,
               bool_or(a.newest) AS newest,
               (array_agg(a.direction ORDER BY a.ord DESC))[1] AS direction,
               (array_agg(a.scan_id ORDER BY a.ord DESC))[1] AS last_scan_id,
               (array_agg(a.scanned_at ORDER BY a.ord DESC))[1] AS last_scanned_at,
               (array_agg(a.device_id ORDER BY a.ord DESC))[1] AS last_device_id,
               (array_agg(a.scanner ORDER BY a.ord DESC))[1] AS last_scanner,
               (array_agg(a.cells) FILTER (WHERE a.cells IS NOT NULL))[1] AS cells,
               l.is_archived
        FROM accepted_scans a
        JOIN locked l ON l.id = a.row_id
        GROUP BY a.row_id, a.column_id, l.scan_state, l.is_archived
      ),
      row_changes AS (
        SELECT c.row_id, sum(c.scans)::int AS scans, max(c.last_at) AS last_at,
               jsonb_object_agg(c.column_id::text, CASE WHEN c.newest THEN jsonb_build_object(
                 'accepted', c.accepted_before + c.scans,
                 'inside', c.inside_after,
                 'last_scan_id', c.last_scan_id,
                 'last_accepted_at', matic_json_time(c.last_scanned_at),
                 'last_device_id', c.last_device_id,
                 'last_scanned_by', c.last_scanner)
                 ELSE c.state_before || jsonb_build_object('accepted', c.accepted_before + c.scans) END) AS states,
               (array_agg(c.cells) FILTER (WHERE c.cells IS NOT NULL AND c.cells <> '{}'))[1] AS cells
        FROM (SELECT cs.*, CASE WHEN cs.newest THEN coalesce(cs.direction = 'entry', cs.inside_before)
                                ELSE cs.inside_before END AS inside_after
              FROM column_states cs) c
        GROUP BY c.row_id
      ),
      counted AS (
        UPDATE table_rows r
        SET scan_count = r.scan_count + c.scans,
            last_scanned_at = greatest(r.last_scanned_at, c.last_at),
            scan_state = r.scan_state || c.states,
            data = coalesce(r.data || c.cells, r.data),
            updated_at = CASE WHEN c.cells IS NULL THEN r.updated_at ELSE now() END
        FROM row_changes c
        WHERE r.id = c.row_id
      ),
      stored AS (
        SELECT column_id, table_id, decision, scanned_at, conflict IS NOT NULL AS conflicted FROM inserted
        UNION ALL
        SELECT column_id, table_id, decision, scanned_at, false FROM inserted_later
      ),
      column_tallies AS (
        SELECT s.column_id, min(s.table_id::text)::uuid AS table_id,
               count(*) FILTER (WHERE s.decision = 'accepted') AS accepted, max(s.scanned_at) AS last_at,
               count(*) FILTER (WHERE s.conflicted) AS conflicts,
               coalesce((SELECT jsonb_object_agg(r.decision, r.n)
                         FROM (SELECT x.decision, count(*) AS n FROM stored x
                               WHERE x.column_id = s.column_id AND x.decision <> 'accepted' GROUP BY x.decision) r), '{}') AS refused,
               -- Live rows only (V17_1): a plain column's row archived while this statement waited for it.
               coalesce((SELECT count(*) FROM column_states c
                         WHERE c.column_id = s.column_id AND c.accepted_before = 0 AND NOT c.is_archived), 0) AS rows_accepted,
               coalesce((SELECT sum(CASE WHEN c.newest THEN coalesce(c.direction = 'entry', c.inside_before)
                                         ELSE c.inside_before END::int - c.inside_before::int)
                         FROM column_states c WHERE c.column_id = s.column_id AND NOT c.is_archived), 0) AS inside
        FROM stored s
        GROUP BY s.column_id
      ),
      tallied AS (
        INSERT INTO scan_counters AS c (column_id, shard, table_id, rows_accepted, inside, accepted, refused, last_scan_at,
                                        minute_slots, minute_accepted, conflicts)
        SELECT t.column_id, matic_counter_shard(), t.table_id, t.rows_accepted, t.inside, t.accepted, t.refused, t.last_at,
               matic_ring_slots(array_fill(-1::bigint, ARRAY[60]), matic_epoch_minute(now()), t.accepted),
               matic_ring_counts(array_fill(0::bigint, ARRAY[60]), array_fill(-1::bigint, ARRAY[60]), matic_epoch_minute(now()), t.accepted),
               t.conflicts
        FROM column_tallies t
        ON CONFLICT (column_id, shard) DO UPDATE SET
          rows_accepted = c.rows_accepted + EXCLUDED.rows_accepted,
          inside = c.inside + EXCLUDED.inside,
          accepted = c.accepted + EXCLUDED.accepted,
          refused = matic_add_counts(c.refused, EXCLUDED.refused),
          last_scan_at = greatest(c.last_scan_at, EXCLUDED.last_scan_at),
          conflicts = c.conflicts + EXCLUDED.conflicts,
          minute_accepted = matic_ring_counts(c.minute_accepted, c.minute_slots, matic_epoch_minute(now()), EXCLUDED.accepted),
          minute_slots = matic_ring_slots(c.minute_slots, matic_epoch_minute(now()), EXCLUDED.accepted)
      )
      SELECT t.ord, t.caller_role, t.column_id AS resolved_column_id, t.workspace_id IS NOT NULL AS table_found, t.column_id IS NOT NULL AS column_found,
             t.column_type, t.normalized IS NOT NULL AS barcode_valid,
             coalesce(s.fresh AND m.nth = 1, false) AS created,
             coalesce(q.ord > q.first_accepted_ord AND s.id IS NULL, false) AS deferred,
             s.*,
             -- What a guest is shown of the rows (V17_1): their display cells only.
             CASE WHEN t.pairing_id IS NOT NULL THEN matic_guest_rows(t.settings, s.matched_rows) END AS guest_matched_rows,
             CASE WHEN t.pairing_id IS NOT NULL THEN matic_guest_changes(t.settings, s.cell_changes) END AS guest_cell_changes
      FROM target t
      LEFT JOIN matches m ON m.ord = t.ord
      LEFT JOIN sequenced q ON q.ord = t.ord
      LEFT JOIN LATERAL (
        SELECT true AS fresh, i.* FROM inserted i WHERE i.id = t.scan_id
        UNION ALL
        SELECT true, l.* FROM inserted_later l WHERE l.id = t.scan_id
        UNION ALL
        SELECT false, e.* FROM scan_history e WHERE e.id = t.scan_id
      ) s ON true
      ORDER BY t.ord
      """;

  /** Stored scans by id; $2: the caller is a guest, who is shown the rows' display cells only. */
  static final String SCANS_BY_ID = """
      SELECT h.*,
             CASE WHEN $2 THEN matic_guest_rows(c.settings, h.matched_rows) END AS guest_matched_rows,
             CASE WHEN $2 THEN matic_guest_changes(c.settings, h.cell_changes) END AS guest_cell_changes
      FROM scan_history h
      LEFT JOIN table_columns c ON c.id = h.column_id
      WHERE h.id = ANY($1::uuid[])
      """;

  private final SqlClient client;
  private final int maxMatchedRows;

  ScanStore(SqlClient client, int maxMatchedRows) {
    this.client = client;
    this.maxMatchedRows = maxMatchedRows;
  }

  /** Placeholder for a deferred scan while its next round is on the way. */
  private static final ScanOutcome DEFERRED = new ScanOutcome.Refused(ServiceFailure.conflict("deferred"));
  /**
   * Each round decides at least the first scan of every row it holds, so a batch of n scans
   * of one row needs at most n rounds; past this, something else keeps taking the rows.
   */
  private static final int MAX_ROUNDS = 1_000;

  /**
   * Records the scans and returns the outcome of each, in order: {@link ScanOutcome.Recorded},
   * {@link ScanOutcome.Replayed} or {@link ScanOutcome.Refused} (never {@link ScanOutcome.Failed}:
   * a database failure fails the whole future). Scans the statement deferred (later scans of a
   * row it accepted) go out again in a next statement, which sees what the first one committed.
   */
  Future<List<ScanOutcome>> record(List<ScanRequest> scans) {
    return record(scans, 1);
  }

  private Future<List<ScanOutcome>> record(List<ScanRequest> scans, int round) {
    int n = scans.size();
    Integer[] ord = new Integer[n];
    UUID[] ids = new UUID[n];
    UUID[] tables = new UUID[n];
    UUID[] columns = new UUID[n];
    String[] columnNames = new String[n];
    String[] barcodes = new String[n];
    OffsetDateTime[] scannedAt = new OffsetDateTime[n];
    String[] sources = new String[n];
    String[] devices = new String[n];
    String[] metadata = new String[n];
    String[] members = new String[n];
    UUID[] pairings = new UUID[n];
    UUID[] rowIds = new UUID[n];
    String[] directions = new String[n];
    String[] inputs = new String[n];
    String[] offline = new String[n];
    for (int i = 0; i < n; i++) {
      ScanRequest scan = scans.get(i);
      ord[i] = i;
      ids[i] = scan.id();
      tables[i] = scan.tableId();
      columns[i] = scan.columnId();
      columnNames[i] = scan.columnName();
      barcodes[i] = scan.barcode();
      scannedAt[i] = scan.scannedAt();
      sources[i] = scan.source();
      devices[i] = scan.deviceId();
      metadata[i] = scan.metadata() == null ? null : scan.metadata().encode();
      members[i] = scan.caller().memberId();
      pairings[i] = scan.caller().pairingId();
      rowIds[i] = scan.rowId();
      directions[i] = scan.direction();
      inputs[i] = scan.inputs() == null ? null : scan.inputs().encode();
      offline[i] = scan.offline() == null ? null : scan.offline().toJson().encode();
    }
    Tuple params = Tuple.tuple()
        .addArrayOfInteger(ord)
        .addArrayOfUUID(ids)
        .addArrayOfUUID(tables)
        .addArrayOfUUID(columns)
        .addArrayOfString(columnNames)
        .addArrayOfString(barcodes)
        .addArrayOfOffsetDateTime(scannedAt)
        .addArrayOfString(sources)
        .addArrayOfString(devices)
        .addArrayOfString(metadata)
        .addInteger(maxMatchedRows)
        .addArrayOfString(members)
        .addArrayOfUUID(pairings)
        .addArrayOfUUID(rowIds)
        .addArrayOfString(directions)
        .addArrayOfString(inputs)
        .addArrayOfString(offline);
    return client.preparedQuery(RECORD_SCANS).execute(params)
        .compose(rows -> outcomes(scans, rows, round));
  }

  private Future<List<ScanOutcome>> outcomes(List<ScanRequest> scans, RowSet<Row> rows, int round) {
    List<ScanOutcome> results = new ArrayList<>(scans.size());
    List<UUID> unsettled = new ArrayList<>();
    List<Integer> deferred = new ArrayList<>();
    for (Row row : rows) {
      ScanRequest request = scans.get(row.getInteger("ord"));
      if (Boolean.TRUE.equals(row.getBoolean("deferred"))) {
        // A later scan of a row this statement accepted: decided by the next statement, on
        // the state this one leaves.
        deferred.add(results.size());
        results.add(DEFERRED);
        continue;
      }
      ScanOutcome outcome = outcome(request, row);
      if (outcome == null) {
        // The same id is being inserted by a concurrent request that had not committed when
        // this statement took its snapshot: read the winner's record once it is visible.
        unsettled.add(request.id());
      }
      results.add(outcome);
    }
    if (deferred.isEmpty()) {
      return settle(scans, results, unsettled);
    }
    if (round >= MAX_ROUNDS) {
      deferred.forEach(i -> results.set(i, new ScanOutcome.Refused(ServiceFailure.conflict("too many scans of one row at once; retry"))));
      return settle(scans, results, unsettled);
    }
    return record(deferred.stream().map(scans::get).toList(), round + 1).compose(later -> {
      for (int k = 0; k < deferred.size(); k++) {
        results.set(deferred.get(k), later.get(k));
      }
      return settle(scans, results, unsettled);
    });
  }

  private Future<List<ScanOutcome>> settle(List<ScanRequest> scans, List<ScanOutcome> results, List<UUID> unsettled) {
    if (unsettled.isEmpty()) {
      return Future.succeededFuture(results);
    }
    // One statement for all: if any caller is a guest, each row also says what a guest sees
    // (used only for the guests' scans, see shown).
    boolean guests = scans.stream().anyMatch(scan -> scan.caller().isGuest());
    return client.preparedQuery(SCANS_BY_ID).execute(Tuple.tuple().addArrayOfUUID(unsettled.toArray(UUID[]::new)).addBoolean(guests))
        .map(stored -> {
          Map<UUID, Row> byId = new HashMap<>();
          stored.forEach(row -> byId.put(row.getUUID("id"), row));
          for (int i = 0; i < results.size(); i++) {
            if (results.get(i) == null) {
              ScanRequest request = scans.get(i);
              Row scan = byId.get(request.id());
              results.set(i, scan == null
                  ? new ScanOutcome.Refused(
                      ServiceFailure.conflict("a concurrent request with the same scan id did not complete; retry"))
                  : replay(request, scan));
            }
          }
          return results;
        });
  }

  /**
   * A scan in doubt (its statement's reply was lost) as stored under its client id: a replay
   * of it (a conflict if the id holds another scan), or null when it was never stored.
   */
  Future<ScanOutcome> stored(ScanRequest request) {
    return client.preparedQuery(SCANS_BY_ID).execute(Tuple.tuple().addArrayOfUUID(new UUID[] {request.id()})
            .addBoolean(request.caller().isGuest()))
        .map(rows -> rows.iterator().hasNext() ? replay(request, rows.iterator().next()) : null);
  }

  /** The item's outcome, or null when the stored scan is not visible yet. */
  private static ScanOutcome outcome(ScanRequest request, Row row) {
    // Access first: a caller without it learns nothing about the table's columns.
    ServiceFailure failure = Permission.SCAN.check(row.getString("caller_role"), row.getUUID("resolved_column_id"),
        "table " + request.tableId() + " does not exist");
    if (failure != null) {
      return new ScanOutcome.Refused(failure);
    }
    failure = TargetChecks.check(request.tableId(), request.columnId(), request.columnName(),
        row.getBoolean("table_found"), row.getBoolean("column_found"),
        row.getString("column_type"), row.getBoolean("barcode_valid"));
    if (failure != null) {
      return new ScanOutcome.Refused(failure);
    }
    if (row.getUUID("id") == null) {
      return null;
    }
    if (row.getBoolean("created")) {
      JsonObject scan = toJson(row);
      return new ScanOutcome.Recorded(shown(request, row, scan), scan);
    }
    return replay(request, row);
  }

  /** A replay must be the same scan: an id reused for another barcode or table is a conflict. */
  private static ScanOutcome replay(ScanRequest request, Row row) {
    JsonObject stored = toJson(row);
    if (!request.tableId().toString().equals(stored.getString("table_id"))
        || !request.barcode().equals(stored.getString("barcode"))) {
      return new ScanOutcome.Refused(
          ServiceFailure.conflict("scan id " + request.id() + " was already used for a different scan"));
    }
    return new ScanOutcome.Replayed(shown(request, row, stored), stored);
  }

  private static JsonObject shown(ScanRequest request, Row row, JsonObject scan) {
    return request.caller().isGuest() ? guestView(row, scan) : scan;
  }

  /**
   * A scan record as a guest is shown it: of each matched row only its display cells, of the
   * actions' changes only those of display columns, as the statement computed them
   * ({@code guest_matched_rows}, {@code guest_cell_changes}: matic_guest_rows and
   * matic_guest_changes, V17_1). The candidates of an ambiguous scan are display cells already.
   */
  static JsonObject guestView(Row row, JsonObject scan) {
    return scan.copy()
        .put("matched_rows", row.getValue("guest_matched_rows") instanceof JsonArray rows ? rows : new JsonArray())
        .put("cell_changes", row.getValue("guest_cell_changes") instanceof JsonArray changes ? changes : new JsonArray());
  }

  static JsonObject toJson(Row row) {
    return new JsonObject()
        .put("id", SqlValues.uuid(row, "id"))
        .put("workspace_id", SqlValues.uuid(row, "workspace_id"))
        .put("table_id", SqlValues.uuid(row, "table_id"))
        .put("column_id", SqlValues.uuid(row, "column_id"))
        .put("column_name", row.getString("column_name"))
        .put("barcode", row.getString("barcode"))
        .put("normalized_barcode", row.getString("normalized_barcode"))
        .put("status", row.getString("status"))
        .put("matched_row_ids", SqlValues.uuids(row, "matched_row_ids"))
        .put("matched_rows", (JsonArray) row.getValue("matched_rows"))
        .put("source", row.getString("source"))
        .put("device_id", row.getString("device_id"))
        .put("metadata", (JsonObject) row.getValue("metadata"))
        .put("scanned_at", SqlValues.time(row, "scanned_at"))
        .put("created_at", SqlValues.time(row, "created_at"))
        .put("created_by", row.getString("created_by"))
        .put("pairing_id", SqlValues.uuid(row, "pairing_id"))
        .put("decision", decision(row))
        .put("direction", row.getString("direction"))
        .put("decision_detail", row.getValue("decision_detail"))
        .put("inputs", row.getValue("inputs"))
        .put("cell_changes", row.getValue("cell_changes"))
        .put("offline", row.getValue("offline"))
        .put("conflict", row.getValue("conflict"))
        .put("undo", row.getOffsetDateTime("undone_at") == null ? null : undoJson(row));
  }

  /** Scans stored before decisions existed read as accepted when they matched, not_found otherwise. */
  private static String decision(Row row) {
    String decision = row.getString("decision");
    if (decision != null) {
      return decision;
    }
    return "success".equals(row.getString("status")) ? "accepted" : "not_found";
  }

  private static JsonObject undoJson(Row row) {
    JsonObject result = row.getValue("undo_result") instanceof JsonObject stored ? stored : new JsonObject();
    return new JsonObject()
        .put("undone_at", SqlValues.time(row, "undone_at"))
        .put("undone_by", row.getString("undone_by"))
        .put("reason", row.getString("undo_reason"))
        .put("cells_restored", result.getJsonArray("cells_restored", new JsonArray()))
        .put("cells_kept", result.getJsonArray("cells_kept", new JsonArray()))
        .put("state_kept", result.getBoolean("state_kept", false));
  }
}

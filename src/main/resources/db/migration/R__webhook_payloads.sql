-- What a webhook event's `data` is: the scan or the row exactly as the HTTP API returns it
-- (ScanStore.toJson, RowStore.toJson; WebhookDeliveryTest compares them field for field).
--
-- A repeatable migration: Flyway applies it after the versioned ones and again whenever its
-- text changes, so the feature that changes what the API returns for a scan or a row changes
-- it here, in the same commit, whatever its own migration number. Only CREATE OR REPLACE of
-- these functions belongs here; the triggers that call them are in V16_1.

-- Timestamps go through matic_json_time (V12_2): UTC, microseconds, 'Z', as SqlValues writes them.
CREATE OR REPLACE FUNCTION matic_webhook_scan_payload(s scan_history) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT jsonb_build_object(
    'id', s.id, 'workspace_id', s.workspace_id, 'table_id', s.table_id, 'column_id', s.column_id,
    'column_name', s.column_name, 'barcode', s.barcode, 'normalized_barcode', s.normalized_barcode,
    'status', s.status, 'matched_row_ids', to_jsonb(s.matched_row_ids), 'matched_rows', s.matched_rows,
    'source', s.source, 'device_id', s.device_id, 'metadata', s.metadata,
    'scanned_at', matic_json_time(s.scanned_at), 'created_at', matic_json_time(s.created_at),
    'created_by', s.created_by, 'pairing_id', s.pairing_id,
    -- Scans stored before decisions existed read as accepted when they matched, not_found otherwise.
    'decision', coalesce(s.decision, CASE WHEN s.status = 'success' THEN 'accepted' ELSE 'not_found' END),
    'direction', s.direction, 'decision_detail', s.decision_detail, 'inputs', s.inputs,
    'cell_changes', s.cell_changes, 'offline', s.offline, 'conflict', s.conflict,
    'undo', CASE WHEN s.undone_at IS NOT NULL THEN jsonb_build_object(
              'undone_at', matic_json_time(s.undone_at), 'undone_by', s.undone_by, 'reason', s.undo_reason,
              'cells_restored', coalesce(s.undo_result -> 'cells_restored', '[]'),
              'cells_kept', coalesce(s.undo_result -> 'cells_kept', '[]'),
              'state_kept', coalesce((s.undo_result ->> 'state_kept')::boolean, false)) END)
$$;

CREATE OR REPLACE FUNCTION matic_webhook_row_payload(r table_rows) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT jsonb_build_object(
    'id', r.id, 'table_id', r.table_id, 'data', r.data, 'is_archived', r.is_archived, 'position', r.position,
    'scan_count', r.scan_count, 'last_scanned_at', matic_json_time(r.last_scanned_at), 'scan_state', r.scan_state,
    'created_at', matic_json_time(r.created_at), 'updated_at', matic_json_time(r.updated_at),
    'created_by', r.created_by)
$$;

-- An import job as the API returns it (ImportStore.toJson).
CREATE OR REPLACE FUNCTION matic_webhook_import_payload(j import_jobs) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT jsonb_build_object(
    'id', j.id, 'table_id', j.table_id, 'status', j.status, 'options', j.options, 'rows_read', j.rows_read,
    'rows_staged', j.rows_staged, 'rows_applied', j.rows_applied, 'apply_phase', j.apply_phase, 'error_count', j.error_count, 'report', j.report, 'created_by', j.created_by,
    'created_at', matic_json_time(j.created_at), 'updated_at', matic_json_time(j.updated_at),
    'finished_at', matic_json_time(j.finished_at))
$$;

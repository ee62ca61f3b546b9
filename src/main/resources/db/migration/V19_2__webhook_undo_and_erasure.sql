-- matic-scan schema: scan.undone into the outbox, and erasure reaching the outbox
-- (docs/architecture.md, "Webhooks"; docs/security.md, "Personal data: erasure and retention").
--
-- 1. scan.undone: written by the undo statement itself, through a trigger on the one column
--    only an undo sets (scan_history.undone_at), so every way of undoing emits it, in the same
--    transaction: an undo that rolls back sends nothing.
-- 2. An outbox row names the table and the rows its payload copies (table_id, row_ids), so
--    deleting rows or a table erases their cells from the outbox as well (queued deliveries and
--    the delivery log alike), by index, in the deleting statement (ErasureStore).

ALTER TABLE webhook_deliveries
  ADD COLUMN table_id uuid,
  ADD COLUMN row_ids  uuid[] NOT NULL DEFAULT '{}';

-- The rows an event's data copies cells of: the row itself for row.*, the matched rows for a scan.
CREATE FUNCTION matic_webhook_row_ids(p_type text, p_data jsonb) RETURNS uuid[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN p_type LIKE 'row.%' THEN ARRAY[(p_data ->> 'id')::uuid]
              WHEN jsonb_typeof(p_data -> 'matched_row_ids') = 'array'
                THEN ARRAY(SELECT jsonb_array_elements_text(p_data -> 'matched_row_ids')::uuid)
              ELSE '{}'::uuid[] END
$$;

UPDATE webhook_deliveries
SET table_id = (payload ->> 'table_id')::uuid, row_ids = matic_webhook_row_ids(event_type, payload);

-- Erasure's probes: the deliveries copying any of some rows, and those of a table.
CREATE INDEX webhook_deliveries_by_rows ON webhook_deliveries USING gin (row_ids);
CREATE INDEX webhook_deliveries_by_table ON webhook_deliveries (table_id);

CREATE OR REPLACE FUNCTION matic_webhook_emit(p_workspace uuid, p_table uuid, p_type text, p_data jsonb) RETURNS integer
LANGUAGE sql VOLATILE AS $$
  WITH written AS (
    INSERT INTO webhook_deliveries (endpoint_id, event_type, payload, table_id, row_ids)
    SELECT e.id, p_type, p_data, p_table, matic_webhook_row_ids(p_type, p_data)
    FROM webhook_endpoints e
    WHERE e.workspace_id = p_workspace AND e.enabled AND p_type = ANY (e.event_types)
      AND (e.table_id IS NULL OR e.table_id = p_table)
    RETURNING 1
  )
  SELECT count(*)::integer FROM written
$$;

CREATE OR REPLACE FUNCTION webhook_outbox_scans_recorded() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_deliveries (endpoint_id, event_type, payload, table_id, row_ids)
  SELECT e.id, 'scan.recorded', matic_webhook_scan_payload(s), s.table_id, coalesce(s.matched_row_ids, '{}')
  FROM new_scans s
  JOIN webhook_endpoints e ON e.workspace_id = s.workspace_id AND e.enabled
                          AND 'scan.recorded' = ANY (e.event_types)
                          AND (e.table_id IS NULL OR e.table_id = s.table_id);
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION webhook_outbox_rows_created() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_deliveries (endpoint_id, event_type, payload, table_id, row_ids)
  SELECT e.id, 'row.created', matic_webhook_row_payload(r), r.table_id, ARRAY[r.id]
  FROM new_rows r
  JOIN data_tables t ON t.id = r.table_id
  JOIN webhook_endpoints e ON e.workspace_id = t.workspace_id AND e.enabled
                          AND 'row.created' = ANY (e.event_types)
                          AND (e.table_id IS NULL OR e.table_id = r.table_id);
  RETURN NULL;
END
$$;

-- scan.undone: the scan as the API returns it after the undo (its `undo` filled in).
CREATE FUNCTION webhook_outbox_scan_undone() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM matic_webhook_emit(NEW.workspace_id, NEW.table_id, 'scan.undone', matic_webhook_scan_payload(NEW));
  RETURN NULL;
END
$$;

CREATE TRIGGER scan_history_webhooks_after_undo
  AFTER UPDATE OF undone_at ON scan_history
  FOR EACH ROW
  WHEN (OLD.undone_at IS NULL AND NEW.undone_at IS NOT NULL)
  EXECUTE FUNCTION webhook_outbox_scan_undone();

-- An array as itself, anything else (absent, null) as the empty array.
CREATE FUNCTION matic_json_array(p jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN jsonb_typeof(p) = 'array' THEN p ELSE '[]'::jsonb END
$$;

-- What is left of an event's data once some rows' cells are erased (p_rows; NULL: every row,
-- as when the table goes). A row event keeps the row's id and facts and loses its cells; a
-- scan event loses what scan_history loses (ErasureStore): the erased rows' entries of
-- matched_rows and cell_changes, and decision_detail. The event itself stays: a receiver
-- still learns that it happened, and to whom by id.
CREATE FUNCTION matic_webhook_erase(p_type text, p_data jsonb, p_rows uuid[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN p_type LIKE 'row.%' THEN p_data || '{"data": {}}'
    WHEN p_type LIKE 'scan.%' THEN p_data || jsonb_build_object(
      'matched_rows', coalesce((SELECT jsonb_agg(m ORDER BY n) FROM jsonb_array_elements(matic_json_array(p_data -> 'matched_rows')) WITH ORDINALITY AS e(m, n)
                                WHERE p_rows IS NOT NULL AND NOT (m ->> 'id') = ANY (p_rows::text[])), '[]'),
      'cell_changes', coalesce((SELECT jsonb_agg(c ORDER BY n) FROM jsonb_array_elements(matic_json_array(p_data -> 'cell_changes')) WITH ORDINALITY AS e(c, n)
                                WHERE p_rows IS NOT NULL AND NOT (c ->> 'row_id') = ANY (p_rows::text[])), '[]'),
      'decision_detail', NULL)
    ELSE p_data END
$$;

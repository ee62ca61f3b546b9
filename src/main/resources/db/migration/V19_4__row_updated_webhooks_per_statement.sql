-- matic-scan schema: row.updated written once per statement (docs/architecture.md, "Webhooks").
--
-- The V16_1 trigger ran per row and built the row's payload before it knew whether any
-- endpoint wanted it: every scan whose actions set a cell paid for a payload nobody asked for
-- (17 % of a `once` scan's cost in the benchmark, docs/benchmarks.md). Now one statement-level
-- pass joins the statement's changed rows to the enabled endpoints that take row.updated, and
-- builds payloads for those rows only; with no such endpoint anywhere it returns at once. The
-- transition tables are the ones the change log's trigger (V13_1) has PostgreSQL keep anyway.
DROP TRIGGER table_rows_webhooks_after_update ON table_rows;
DROP FUNCTION webhook_outbox_row_updated();

CREATE FUNCTION webhook_outbox_rows_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled AND 'row.updated' = ANY (event_types)) THEN
    RETURN NULL;
  END IF;
  INSERT INTO webhook_deliveries (endpoint_id, event_type, payload, table_id, row_ids)
  SELECT e.id, 'row.updated', matic_webhook_row_payload(n), n.table_id, ARRAY[n.id]
  FROM new_rows n
  JOIN old_rows o ON o.id = n.id
  JOIN data_tables t ON t.id = n.table_id
  JOIN webhook_endpoints e ON e.workspace_id = t.workspace_id AND e.enabled
                          AND 'row.updated' = ANY (e.event_types)
                          AND (e.table_id IS NULL OR e.table_id = n.table_id)
  -- A change of cells, archive flag or position; the scan statement's counters are none.
  WHERE (n.data, n.is_archived, n.position) IS DISTINCT FROM (o.data, o.is_archived, o.position);
  RETURN NULL;
END
$$;

CREATE TRIGGER table_rows_webhooks_after_update
  AFTER UPDATE ON table_rows
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION webhook_outbox_rows_updated();

-- matic-scan schema: scans decided offline, and conflicts (docs/offline.md, "Uploading offline
-- decisions").
--
-- A phone without a network decides at the door from its copy of the column and uploads later.
-- What the door decided is a fact: the scan statement (ScanStore.RECORD_SCANS) records it as it
-- happened, never refused as a duplicate. When the service's own judgement of an accepted
-- offline scan disagrees (a once row accepted already, by another phone or another offline
-- one; a row gone; outside the window; a condition failing), the scan is stored accepted AND
-- as a conflict, for the desk to see and settle.

-- offline:  {decision, device_scanned_at, clock_offset_ms} as the phone uploaded it; null for
--           scans decided by the service.
-- conflict: {reason, earlier_scan? , failed_condition?}: what the service would have decided.
ALTER TABLE scan_history
  ADD COLUMN offline  jsonb,
  ADD COLUMN conflict jsonb;

-- GET /api/tables/{table_id}/conflicts: a table's conflicts, newest stored first.
CREATE INDEX scan_history_conflicts ON scan_history (table_id, created_at DESC, id DESC) WHERE conflict IS NOT NULL;

-- The door's numbers gain the conflicts stored per column (undone ones stay counted: the
-- conflict happened).
ALTER TABLE scan_counters ADD COLUMN conflicts bigint NOT NULL DEFAULT 0;

-- Devices count the conflicts their uploads caused, in the same per-statement upsert as scans.
CREATE OR REPLACE FUNCTION devices_count_stored_scans() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO devices AS d (table_id, device_id, pairing_id, user_id, scans_uploaded, conflicts_caused, last_seen_at)
  SELECT s.table_id, s.device_id,
         (array_agg(s.pairing_id) FILTER (WHERE s.pairing_id IS NOT NULL))[1],
         (array_agg(s.created_by) FILTER (WHERE s.pairing_id IS NULL AND s.created_by IS NOT NULL))[1],
         count(*), count(*) FILTER (WHERE s.conflict IS NOT NULL), now()
  FROM stored_scans s
  WHERE s.device_id IS NOT NULL AND length(s.device_id) BETWEEN 1 AND 200
  GROUP BY s.table_id, s.device_id
  ORDER BY s.table_id, s.device_id
  ON CONFLICT (table_id, device_id) DO UPDATE
    SET scans_uploaded   = d.scans_uploaded + EXCLUDED.scans_uploaded,
        conflicts_caused = d.conflicts_caused + EXCLUDED.conflicts_caused,
        last_seen_at     = greatest(d.last_seen_at, EXCLUDED.last_seen_at),
        pairing_id       = coalesce(EXCLUDED.pairing_id, d.pairing_id),
        user_id          = coalesce(EXCLUDED.user_id, d.user_id);
  RETURN NULL;
END
$$;

-- scan.conflict beside scan.recorded, from the same statement-level pass over the scans a
-- statement stored (V16_1, V19_2): a conflicting scan is both recorded and a conflict.
CREATE OR REPLACE FUNCTION webhook_outbox_scans_recorded() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_deliveries (endpoint_id, event_type, payload, table_id, row_ids)
  SELECT e.id, x.type, matic_webhook_scan_payload(s), s.table_id, coalesce(s.matched_row_ids, '{}')
  FROM new_scans s
  CROSS JOIN LATERAL (VALUES ('scan.recorded'), ('scan.conflict')) AS x(type)
  JOIN webhook_endpoints e ON e.workspace_id = s.workspace_id AND e.enabled
                          AND x.type = ANY (e.event_types)
                          AND (e.table_id IS NULL OR e.table_id = s.table_id)
  WHERE x.type = 'scan.recorded' OR s.conflict IS NOT NULL;
  RETURN NULL;
END
$$;

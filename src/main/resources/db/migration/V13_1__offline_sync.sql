-- matic-scan schema: offline phones (docs/offline.md).
--
-- A phone keeps a copy of one barcode column (a snapshot) and brings it up to date with deltas:
-- "what changed after cursor X". The database keeps that change sequence itself, in
-- table_changes, written by triggers on every write that matters to a phone's copy, whoever
-- makes it (this service, the desktop app, a psql prompt):
--   'row'     a row was inserted, deleted, or changed its cells, archive state or scan state;
--   'value'   a barcode value was removed from a row (row_id, column_id, value);
--   'columns' a column of the table was added, changed or dropped: a phone's copy (its rules,
--             its cells) is stale and must be downloaded again.
--
-- Order is the writing transaction's id (xid8, never wraps), not a sequence: sequence values
-- are drawn before commit, so a reader could see 101 committed while 100 is still in flight and
-- never look back. A cursor is instead the snapshot (pg_snapshot: xmin, xmax, the ids in
-- progress) of the statement that read the copy: a change is new to the copy exactly when its
-- transaction is not visible in that snapshot (pg_visible_in_snapshot). Changes of transactions
-- that were in flight are therefore picked up later, and nothing the copy already saw comes
-- again, however long another transaction (of any database on the server) stays open.
CREATE TABLE table_changes (
  table_id    uuid        NOT NULL,
  changed_xid xid8        NOT NULL DEFAULT pg_current_xact_id(),
  changed_at  timestamptz NOT NULL DEFAULT now(),
  kind        text        NOT NULL CHECK (kind IN ('row', 'value', 'columns')),
  row_id      uuid,
  column_id   uuid,
  value       text
);
CREATE INDEX table_changes_by_table ON table_changes (table_id, changed_xid);
-- Pruning walks by age; rows arrive in time order, so a BRIN index is enough and costs nothing.
CREATE INDEX table_changes_by_age ON table_changes USING brin (changed_at);

-- The newest change of each table that pruning has removed: a cursor whose xmin is at or below
-- it may have missed something and is answered "too old" (the phone downloads a new snapshot).
CREATE TABLE table_change_horizons (
  table_id       uuid PRIMARY KEY REFERENCES data_tables (id) ON DELETE CASCADE,
  pruned_through xid8 NOT NULL
);

-- Statement-level triggers with transition tables: a bulk insert or a batch of scans logs all
-- its rows in one INSERT ... SELECT, not one call per row. (Transition tables cannot be combined
-- with a column list, so the update trigger compares the columns itself.)
CREATE FUNCTION table_changes_log_inserted_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO table_changes (table_id, kind, row_id)
  SELECT table_id, 'row', id FROM inserted_rows;
  RETURN NULL;
END
$$;

CREATE TRIGGER table_rows_log_changes_after_insert
  AFTER INSERT ON table_rows
  REFERENCING NEW TABLE AS inserted_rows
  FOR EACH STATEMENT EXECUTE FUNCTION table_changes_log_inserted_rows();

-- What a phone's copy holds of a row: cells, archive state, scan state. A change of position or
-- updated_at alone is no change to it.
CREATE FUNCTION table_changes_log_updated_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO table_changes (table_id, kind, row_id)
  SELECT n.table_id, 'row', n.id
  FROM new_rows n JOIN old_rows o ON o.id = n.id
  WHERE (n.data, n.is_archived, n.scan_count, n.last_scanned_at, n.scan_state)
        IS DISTINCT FROM (o.data, o.is_archived, o.scan_count, o.last_scanned_at, o.scan_state);
  RETURN NULL;
END
$$;

CREATE TRIGGER table_rows_log_changes_after_update
  AFTER UPDATE ON table_rows
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION table_changes_log_updated_rows();

-- Deleting a whole table cascades here too; its rows need no tombstones (nothing can ask for a
-- delta of a table that is gone), so only rows of tables that still exist are logged.
CREATE FUNCTION table_changes_log_deleted_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO table_changes (table_id, kind, row_id)
  SELECT o.table_id, 'row', o.id
  FROM deleted_rows o
  WHERE EXISTS (SELECT 1 FROM data_tables t WHERE t.id = o.table_id);
  RETURN NULL;
END
$$;

CREATE TRIGGER table_rows_log_changes_after_delete
  AFTER DELETE ON table_rows
  REFERENCING OLD TABLE AS deleted_rows
  FOR EACH STATEMENT EXECUTE FUNCTION table_changes_log_deleted_rows();

-- A barcode value that left a row (its cell changed, the row was archived or deleted, the
-- column was re-indexed): the delta tells a phone to forget it, if the row no longer has it.
CREATE FUNCTION table_changes_log_removed_values() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO table_changes (table_id, kind, row_id, column_id, value)
  SELECT o.table_id, 'value', o.row_id, o.column_id, o.normalized
  FROM removed_values o
  WHERE EXISTS (SELECT 1 FROM data_tables t WHERE t.id = o.table_id);
  RETURN NULL;
END
$$;

CREATE TRIGGER barcode_values_log_changes_after_delete
  AFTER DELETE ON barcode_values
  REFERENCING OLD TABLE AS removed_values
  FOR EACH STATEMENT EXECUTE FUNCTION table_changes_log_removed_values();

CREATE FUNCTION table_changes_log_column_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO table_changes (table_id, kind, column_id)
    SELECT OLD.table_id, 'columns', OLD.id
    WHERE EXISTS (SELECT 1 FROM data_tables t WHERE t.id = OLD.table_id);
  ELSE
    INSERT INTO table_changes (table_id, kind, column_id) VALUES (NEW.table_id, 'columns', NEW.id);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER table_columns_log_changes
  AFTER INSERT OR UPDATE OR DELETE ON table_columns
  FOR EACH ROW EXECUTE FUNCTION table_changes_log_column_change();

-- Every phone (or desk) that scans or syncs has a stable device id of its own choosing; the
-- service keeps, per table, who it belongs to (a user, or the guest pairing it claimed), what it
-- says it is, when it was last seen and synced, and what it has done. Revoking a device that
-- claimed a guest pairing ends that guest token at its next request (matic_access below).
CREATE TABLE devices (
  table_id         uuid        NOT NULL REFERENCES data_tables (id) ON DELETE CASCADE,
  device_id        text        NOT NULL CHECK (length(device_id) BETWEEN 1 AND 200),
  pairing_id       uuid        REFERENCES pairings (id) ON DELETE SET NULL,
  user_id          text,
  label            text,
  app_version      text,
  first_seen_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at     timestamptz NOT NULL DEFAULT now(),
  last_sync_at     timestamptz,
  -- The cursor its last snapshot or delta answered with (SyncCursor: column and snapshot).
  last_sync_column   uuid,
  last_sync_snapshot pg_snapshot,
  scans_uploaded   bigint      NOT NULL DEFAULT 0,
  conflicts_caused bigint      NOT NULL DEFAULT 0,
  revoked_at       timestamptz,
  revoked_by       text,
  PRIMARY KEY (table_id, device_id)
);

-- Scans are counted per device as they are stored, whoever stores them: one upsert per device
-- and statement (a batch of 500 scans from one phone is one row update). Devices are locked in
-- key order, so two statements never wait on each other in a cycle.
CREATE FUNCTION devices_count_stored_scans() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO devices AS d (table_id, device_id, pairing_id, user_id, scans_uploaded, last_seen_at)
  SELECT s.table_id, s.device_id,
         (array_agg(s.pairing_id) FILTER (WHERE s.pairing_id IS NOT NULL))[1],
         (array_agg(s.created_by) FILTER (WHERE s.pairing_id IS NULL AND s.created_by IS NOT NULL))[1],
         count(*), now()
  FROM stored_scans s
  WHERE s.device_id IS NOT NULL AND length(s.device_id) BETWEEN 1 AND 200
  GROUP BY s.table_id, s.device_id
  ORDER BY s.table_id, s.device_id
  ON CONFLICT (table_id, device_id) DO UPDATE
    SET scans_uploaded = d.scans_uploaded + EXCLUDED.scans_uploaded,
        last_seen_at   = greatest(d.last_seen_at, EXCLUDED.last_seen_at),
        pairing_id     = coalesce(EXCLUDED.pairing_id, d.pairing_id),
        user_id        = coalesce(EXCLUDED.user_id, d.user_id);
  RETURN NULL;
END
$$;

CREATE TRIGGER scan_history_count_device_scans
  AFTER INSERT ON scan_history
  REFERENCING NEW TABLE AS stored_scans
  FOR EACH STATEMENT EXECUTE FUNCTION devices_count_stored_scans();

-- The caller's role on a table, as in V3, and for a guest also its device: a guest token carries
-- the device that claimed it, and once that device is revoked on the table the token is 'ended'.
-- p_device defaults to NULL, so statements that do not pass it keep working unchanged.
DROP FUNCTION matic_access(uuid, text, uuid);
CREATE FUNCTION matic_access(p_table uuid, p_user text, p_pairing uuid, p_device text DEFAULT NULL)
RETURNS TABLE (role text)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE
           WHEN p_pairing IS NOT NULL THEN
             CASE WHEN p.id IS NULL THEN NULL
                  WHEN p.revoked_at IS NULL AND p.expires_at > now() AND d.revoked_at IS NULL THEN 'guest:' || p.column_id
                  ELSE 'ended' END
           ELSE m.role
         END
  FROM (SELECT 1) AS one
  LEFT JOIN data_tables t ON p_pairing IS NULL AND t.id = p_table
  LEFT JOIN workspace_members m ON m.workspace_id = t.workspace_id AND m.user_id = p_user
  LEFT JOIN pairings p ON p.id = p_pairing AND p.table_id = p_table
  LEFT JOIN devices d ON p_device IS NOT NULL AND d.table_id = p.table_id AND d.device_id = p_device
$$;

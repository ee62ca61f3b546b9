-- matic-scan schema, version 12.1: the scan decides (docs/scan-rules.md).
--
-- A barcode column's settings carry its scan rules (mode, window, accept_if, display_columns,
-- on_accept). Every scan gets a decision; the state the rules need (how often a row was
-- accepted, whether it is inside) lives ON THE ROW, in table_rows.scan_state, so the one scan
-- statement locks the matched row (SELECT ... FOR UPDATE) and reads the state it decides on
-- in the same moment (docs/architecture.md, "How a scan is decided").
--
-- Every ALTER below adds a nullable column or one with a constant default: no table rewrite.

-- Per barcode column (keyed by column id), the row's scan state:
--   {"<column id>": {"accepted": 1, "inside": false, "last_scan_id": "…", "last_accepted_at": "…",
--                    "last_device_id": "…", "last_scanned_by": "…"}}
-- accepted counts accepted scans not undone; inside is the entry/exit state.
ALTER TABLE table_rows ADD COLUMN scan_state jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(scan_state) = 'object');

-- The decision of every scan, next to its match status. NULL for scans stored before version
-- 12 (read as accepted when they matched, not_found when they did not).
ALTER TABLE scan_history ADD COLUMN decision text CHECK (decision IN (
  'accepted', 'not_found', 'ambiguous', 'outside_window', 'rule', 'invalid_input',
  'already_scanned', 'already_inside', 'not_inside'));
-- entry or exit for an entry/exit column (the toggled direction when the scan carried none).
ALTER TABLE scan_history ADD COLUMN direction text CHECK (direction IN ('entry', 'exit'));
-- What the phone needs to explain a refusal: earlier_scan (already_scanned), failed_condition
-- (rule), candidates (ambiguous), input (invalid_input).
ALTER TABLE scan_history ADD COLUMN decision_detail jsonb;
-- The values a scan carried for on_accept actions that take their value from the scan.
ALTER TABLE scan_history ADD COLUMN inputs jsonb;
-- Each cell an accepted scan's actions changed: [{"row_id", "column", "before", "after"}].
ALTER TABLE scan_history ADD COLUMN cell_changes jsonb NOT NULL DEFAULT '[]';
-- For undo: per row the accepted scan changed, what it was before the scan's statement:
--   {"<row id>": {"state": <the column's scan state or null>, "last_scanned_at": "…"}}
ALTER TABLE scan_history ADD COLUMN undo_state jsonb;
ALTER TABLE scan_history ADD COLUMN undone_at timestamptz;
ALTER TABLE scan_history ADD COLUMN undone_by text;
ALTER TABLE scan_history ADD COLUMN undo_reason text;
-- What the undo did: {"cells_restored": [...], "cells_kept": [...], "state_kept": bool}.
ALTER TABLE scan_history ADD COLUMN undo_result jsonb;

-- The door's numbers, kept as the scans are decided instead of counted when read: per barcode
-- column and SHARD, so concurrent statements on different connections add to different rows
-- and never wait for each other (shard = backend pid mod 16, see matic_counter_shard); the
-- status read sums at most 16 rows. No foreign keys: the triggers below may write here while
-- the column or table is being deleted; a deleted column's rows are simply never read again.
CREATE TABLE scan_counters (
  column_id     uuid     NOT NULL,
  shard         smallint NOT NULL,
  table_id      uuid     NOT NULL,
  -- live rows with a usable barcode in this column (kept by triggers on barcode_values)
  rows_in_scope bigint   NOT NULL DEFAULT 0,
  -- rows whose state has accepted > 0
  rows_accepted bigint   NOT NULL DEFAULT 0,
  -- rows inside now (entry_exit)
  inside        bigint   NOT NULL DEFAULT 0,
  accepted      bigint   NOT NULL DEFAULT 0,
  -- refused scans by reason: {"already_scanned": 3, "not_found": 1, ...}
  refused       jsonb    NOT NULL DEFAULT '{}',
  undone        bigint   NOT NULL DEFAULT 0,
  last_scan_at  timestamptz,
  -- accepted scans per minute for the last hour, as a ring of 60 slots: slot (m % 60) + 1
  -- holds the count for epoch minute minute_slots[slot] (by the minute the scan was stored).
  minute_slots    bigint[] NOT NULL DEFAULT array_fill(-1::bigint, ARRAY[60]),
  minute_accepted bigint[] NOT NULL DEFAULT array_fill(0::bigint, ARRAY[60]),
  PRIMARY KEY (column_id, shard)
);

CREATE FUNCTION matic_counter_shard() RETURNS smallint
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT (pg_backend_pid() % 16)::smallint $$;

-- Two {reason: count} objects added.
CREATE FUNCTION matic_add_counts(a jsonb, b jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(jsonb_object_agg(k, coalesce((a ->> k)::bigint, 0) + coalesce((b ->> k)::bigint, 0)), '{}')
  FROM (SELECT jsonb_object_keys(coalesce(a, '{}')) UNION SELECT jsonb_object_keys(coalesce(b, '{}'))) AS keys(k)
$$;

-- The minute ring after adding n accepted scans in epoch minute m (counts, then slots).
CREATE FUNCTION matic_ring_counts(counts bigint[], slots bigint[], m bigint, n bigint) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN n = 0 THEN counts ELSE
    (SELECT array_agg(CASE WHEN i = m % 60 + 1
                           THEN CASE WHEN slots[i] = m THEN counts[i] ELSE 0 END + n
                           ELSE counts[i] END ORDER BY i)
     FROM generate_series(1, 60) AS i) END
$$;

CREATE FUNCTION matic_ring_slots(slots bigint[], m bigint, n bigint) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN n = 0 THEN slots ELSE
    (SELECT array_agg(CASE WHEN i = m % 60 + 1 THEN m ELSE slots[i] END ORDER BY i)
     FROM generate_series(1, 60) AS i) END
$$;

-- Rows in scope follow the barcode index, whoever writes it.
CREATE FUNCTION scan_counters_count_barcode_values() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO scan_counters AS c (column_id, shard, table_id, rows_in_scope)
    SELECT v.column_id, matic_counter_shard(), v.table_id, count(*)
    FROM new_values v
    GROUP BY v.column_id, v.table_id
    ON CONFLICT (column_id, shard) DO UPDATE SET rows_in_scope = c.rows_in_scope + EXCLUDED.rows_in_scope;
  ELSE
    INSERT INTO scan_counters AS c (column_id, shard, table_id, rows_in_scope)
    SELECT v.column_id, matic_counter_shard(), v.table_id, -count(*)
    FROM old_values v
    WHERE EXISTS (SELECT 1 FROM table_columns tc WHERE tc.id = v.column_id)
    GROUP BY v.column_id, v.table_id
    ON CONFLICT (column_id, shard) DO UPDATE SET rows_in_scope = c.rows_in_scope + EXCLUDED.rows_in_scope;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER barcode_values_count_after_insert
  AFTER INSERT ON barcode_values REFERENCING NEW TABLE AS new_values
  FOR EACH STATEMENT EXECUTE FUNCTION scan_counters_count_barcode_values();
CREATE TRIGGER barcode_values_count_after_delete
  AFTER DELETE ON barcode_values REFERENCING OLD TABLE AS old_values
  FOR EACH STATEMENT EXECUTE FUNCTION scan_counters_count_barcode_values();

INSERT INTO scan_counters (column_id, shard, table_id, rows_in_scope)
SELECT column_id, 0, table_id, count(*) FROM barcode_values GROUP BY column_id, table_id;

-- Re-index a row only when a barcode cell or the archive flag changed: an on_accept action
-- that sets a text cell (checked_in, status) must not rewrite the row's index entries.
CREATE OR REPLACE FUNCTION barcode_values_reindex_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.is_archived = NEW.is_archived AND NOT EXISTS (
       SELECT 1 FROM table_columns c
       WHERE c.table_id = NEW.table_id AND c.column_type = 'barcode'
         AND OLD.data -> c.name IS DISTINCT FROM NEW.data -> c.name) THEN
    RETURN NULL;
  END IF;
  DELETE FROM barcode_values WHERE row_id = NEW.id;
  IF NOT NEW.is_archived THEN
    INSERT INTO barcode_values (column_id, normalized, row_id, table_id)
    SELECT c.id, v.normalized, NEW.id, NEW.table_id
    FROM table_columns c
    CROSS JOIN LATERAL (
      SELECT matic_normalize_barcode(coalesce(c.settings ->> 'normalization', 'exact'), NEW.data ->> c.name) AS normalized
    ) v
    WHERE c.table_id = NEW.table_id
      AND c.column_type = 'barcode'
      AND jsonb_typeof(NEW.data -> c.name) IN ('string', 'number')
      AND v.normalized IS NOT NULL
      AND octet_length(v.normalized) <= 2000
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;

-- Does one accept_if condition hold for a row's cells? (docs/scan-rules.md; the phones'
-- reference implementation must agree, case for case.)
CREATE FUNCTION matic_condition_holds(cond jsonb, data jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE cond ->> 'op'
    WHEN 'equals'    THEN coalesce(data -> (cond ->> 'column') = cond -> 'value', false)
    WHEN 'in'        THEN coalesce(cond -> 'values' @> jsonb_build_array(data -> (cond ->> 'column')), false)
    WHEN 'not_empty' THEN coalesce(jsonb_typeof(data -> (cond ->> 'column')) NOT IN ('null', 'string')
                                   OR btrim(data ->> (cond ->> 'column'), E' \t\r\n\f\v') <> '', false)
    WHEN 'is_true'   THEN coalesce(data -> (cond ->> 'column') = 'true'::jsonb, false)
    WHEN 'is_false'  THEN coalesce(data -> (cond ->> 'column'), 'null'::jsonb) IN ('false'::jsonb, 'null'::jsonb)
    ELSE false
  END
$$;

-- Does a value a scan carries fit a column of this type? The same rules as CellRules in the
-- service (a test holds the two to the same cases). Date columns take no scan input
-- (docs/scan-rules.md), so they are not decided here.
CREATE FUNCTION matic_cell_fits(column_type text, value jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN value IS NULL OR value = 'null'::jsonb THEN true
    WHEN jsonb_typeof(value) = 'string' AND length(value #>> '{}') > 10000 THEN false
    ELSE CASE column_type
      WHEN 'number'  THEN jsonb_typeof(value) = 'number'
      WHEN 'boolean' THEN jsonb_typeof(value) = 'boolean'
      WHEN 'text'    THEN jsonb_typeof(value) IN ('string', 'number')
      WHEN 'barcode' THEN jsonb_typeof(value) IN ('string', 'number')
      WHEN 'select'  THEN jsonb_typeof(value) = 'string'
      WHEN 'email'   THEN jsonb_typeof(value) = 'string' AND (value #>> '{}') ~ '^[^@\s]+@[^@\s]+$'
      WHEN 'url'     THEN jsonb_typeof(value) = 'string' AND (value #>> '{}') ~* '^https?://\S+$'
      ELSE false
    END
  END
$$;

-- matic-scan schema, version 17.1: what a guest is shown of a row, and door numbers that follow
-- rows archived, restored and deleted (docs/scan-rules.md).

-- A guest sees of a row only the column's display cells (matic_display, V12_2: every cell when
-- the column names none). The scan records a guest is answered with pass through these two:
-- each matched row's cells, and the actions' cell changes of display columns only.
CREATE FUNCTION matic_guest_rows(settings jsonb, matched_rows jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(jsonb_agg(jsonb_build_object('id', m.r -> 'id', 'data', matic_display(coalesce(settings, '{}'), m.r -> 'data'))
                            ORDER BY m.n), '[]')
  FROM jsonb_array_elements(coalesce(matched_rows, '[]')) WITH ORDINALITY AS m(r, n)
$$;

CREATE FUNCTION matic_guest_changes(settings jsonb, cell_changes jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN coalesce(settings, '{}') ? 'display_columns'
              THEN coalesce((SELECT jsonb_agg(x.c ORDER BY x.n)
                             FROM jsonb_array_elements(coalesce(cell_changes, '[]')) WITH ORDINALITY AS x(c, n)
                             WHERE settings -> 'display_columns' ? (x.c ->> 'column')), '[]')
              ELSE coalesce(cell_changes, '[]') END
$$;

-- rows_accepted and inside (scan_counters, V12_1) count LIVE rows: a row archived or deleted
-- leaves them, a row restored comes back with the state it kept. The scan and undo statements
-- count only rows that are not archived. Archiving and restoring are counted by a row trigger
-- that fires only when is_archived really changes (the scan statement never sets it, so it never
-- reaches this trigger); deletes once per statement from the transition table.

-- Per barcode column in a row's scan state: +1/-1 for accepted and for inside, times sign.
CREATE FUNCTION matic_add_row_to_counters(p_table uuid, p_state jsonb, p_sign integer) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO scan_counters AS c (column_id, shard, table_id, rows_accepted, inside)
  SELECT s.k::uuid, matic_counter_shard(), p_table,
         p_sign * (coalesce((s.v ->> 'accepted')::int, 0) > 0)::int,
         p_sign * coalesce((s.v ->> 'inside')::boolean, false)::int
  FROM jsonb_each(p_state) AS s(k, v)
  WHERE (coalesce((s.v ->> 'accepted')::int, 0) > 0 OR coalesce((s.v ->> 'inside')::boolean, false))
    AND EXISTS (SELECT 1 FROM table_columns tc WHERE tc.id = s.k::uuid)
  ON CONFLICT (column_id, shard) DO UPDATE SET
    rows_accepted = c.rows_accepted + EXCLUDED.rows_accepted,
    inside = c.inside + EXCLUDED.inside
$$;

CREATE FUNCTION scan_counters_follow_archive_flip() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.is_archived THEN
    PERFORM matic_add_row_to_counters(OLD.table_id, OLD.scan_state, -1);
  ELSE
    PERFORM matic_add_row_to_counters(NEW.table_id, NEW.scan_state, 1);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER table_rows_counters_after_archive_flip
  AFTER UPDATE OF is_archived ON table_rows
  FOR EACH ROW WHEN (OLD.is_archived IS DISTINCT FROM NEW.is_archived)
  EXECUTE FUNCTION scan_counters_follow_archive_flip();

CREATE FUNCTION scan_counters_follow_deleted_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO scan_counters AS c (column_id, shard, table_id, rows_accepted, inside)
  SELECT s.k::uuid, matic_counter_shard(), min(d.table_id::text)::uuid,
         -count(*) FILTER (WHERE coalesce((s.v ->> 'accepted')::int, 0) > 0),
         -count(*) FILTER (WHERE coalesce((s.v ->> 'inside')::boolean, false))
  FROM deleted_rows d
  CROSS JOIN LATERAL jsonb_each(d.scan_state) AS s(k, v)
  WHERE NOT d.is_archived
    AND (coalesce((s.v ->> 'accepted')::int, 0) > 0 OR coalesce((s.v ->> 'inside')::boolean, false))
    AND EXISTS (SELECT 1 FROM table_columns tc WHERE tc.id = s.k::uuid)
  GROUP BY s.k
  ON CONFLICT (column_id, shard) DO UPDATE SET
    rows_accepted = c.rows_accepted + EXCLUDED.rows_accepted,
    inside = c.inside + EXCLUDED.inside;
  RETURN NULL;
END
$$;

CREATE TRIGGER table_rows_counters_after_delete
  AFTER DELETE ON table_rows
  REFERENCING OLD TABLE AS deleted_rows
  FOR EACH STATEMENT EXECUTE FUNCTION scan_counters_follow_deleted_rows();

-- Rows archived before this version still count: take them out once.
INSERT INTO scan_counters AS c (column_id, shard, table_id, rows_accepted, inside)
SELECT s.k::uuid, 0, min(r.table_id::text)::uuid,
       -count(*) FILTER (WHERE coalesce((s.v ->> 'accepted')::int, 0) > 0),
       -count(*) FILTER (WHERE coalesce((s.v ->> 'inside')::boolean, false))
FROM table_rows r
CROSS JOIN LATERAL jsonb_each(r.scan_state) AS s(k, v)
WHERE r.is_archived AND EXISTS (SELECT 1 FROM table_columns tc WHERE tc.id = s.k::uuid)
GROUP BY s.k
ON CONFLICT (column_id, shard) DO UPDATE SET
  rows_accepted = c.rows_accepted + EXCLUDED.rows_accepted,
  inside = c.inside + EXCLUDED.inside;

-- matic_cell_fits (V12_1) and CellRules in the service must agree (CellFitsAgreementTest): white
-- space in an email or URL is exactly space, \t, \n, \r, \f, \v (PostgreSQL's \s also takes
-- Unicode spaces such as U+2003), and a text's length counts characters on both sides.
CREATE OR REPLACE FUNCTION matic_cell_fits(column_type text, value jsonb) RETURNS boolean
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
      WHEN 'email'   THEN jsonb_typeof(value) = 'string' AND (value #>> '{}') ~ '^[^@ \t\n\r\f\v]+@[^@ \t\n\r\f\v]+$'
      WHEN 'url'     THEN jsonb_typeof(value) = 'string' AND (value #>> '{}') ~* '^https?://[^ \t\n\r\f\v]+$'
      ELSE false
    END
  END
$$;

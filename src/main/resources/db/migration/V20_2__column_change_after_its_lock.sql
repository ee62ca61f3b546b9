-- matic-scan schema: a column's change made after its lock (docs/architecture.md, "Table editing").
--
-- Changing a column's name, type or settings rewrites its cell in every row. Done by one
-- statement, the rewrite read the rows as they were when the statement began, before it
-- had its lock on the column: a row written meanwhile, by a writer that had checked its cells
-- against the old column, could keep an old-type cell (or lose its change to the rewrite).
-- Now the change is this function: it locks the column first, and only then reads and rewrites
-- the rows, in a statement of its own that sees every write committed before the lock. Row
-- writes (RowStore) take a KEY SHARE lock on the table's columns and write only when the
-- columns are still those their cells were checked against, so they either finish before the
-- change takes its lock (and are converted by it) or wait for it and are checked again.
-- Parameters: $1 table, $2 column, $3-$5 the column as it was read (settings, name, type),
-- $6-$9 its new name, label, type, settings, $10 its new place (NULL: kept), $11 dry run,
-- $12 how many cells to list. While an import of the table is active the change is refused
-- (SQLSTATE MS409): the import checked its cells against the columns it read when it began.
CREATE FUNCTION matic_change_column(uuid, uuid, jsonb, text, text, text, text, text, jsonb, integer, boolean, integer)
RETURNS TABLE (found bigint, applied boolean, cells bigint, converted bigint, rows_changed bigint, not_converted bigint,
               not_converted_cells jsonb, unindexed bigint, unindexed_cells jsonb, writes bigint)
LANGUAGE plpgsql VOLATILE AS $fn$
#variable_conflict use_column
BEGIN
  PERFORM 1 FROM table_columns WHERE table_id = $1 AND id = $2 FOR UPDATE;
  IF EXISTS (SELECT 1 FROM import_jobs WHERE table_id = $1 AND status IN ('receiving', 'running')) THEN
    RAISE EXCEPTION 'an import of table % is running; change its columns when it has finished', $1
      USING ERRCODE = 'MS409';
  END IF;
  RETURN QUERY
    WITH col AS (
      SELECT id, name AS old_name, column_type AS old_type FROM table_columns
      WHERE table_id = $1 AND id = $2 AND settings = $3::jsonb AND name = $4 AND column_type = $5
      FOR UPDATE
    ), cells AS (
      SELECT r.id, r.position, r.data -> col.old_name AS old_value,
             CASE WHEN $8 = col.old_type THEN r.data -> col.old_name
                  ELSE matic_convert_cell($8, r.data -> col.old_name) END AS new_value
      FROM col JOIN table_rows r ON r.table_id = $1 AND r.data ? col.old_name
    ), bad AS (
      SELECT c.id, c.position, c.old_value FROM cells c, col
      WHERE $8 <> col.old_type AND NOT matic_converted_fits($8, c.new_value)
    ), unindexed AS (
      SELECT c.id, c.position, c.old_value FROM cells c
      WHERE $8 = 'barcode' AND jsonb_typeof(c.new_value) IN ('string', 'number')
        AND matic_normalize_barcode(coalesce($9::jsonb ->> 'normalization', 'exact'), c.new_value #>> '{}') IS NULL
        AND NOT EXISTS (SELECT 1 FROM bad WHERE bad.id = c.id)
    ), go AS (
      SELECT NOT $11 AND NOT EXISTS (SELECT 1 FROM bad) AS ok FROM col
    ), moved AS (
      UPDATE table_rows r
      SET data = (r.data - col.old_name) || jsonb_build_object($6::text, c.new_value), updated_at = now()
      FROM cells c, col, go
      WHERE go.ok AND r.id = c.id AND ($6 <> col.old_name OR c.new_value IS DISTINCT FROM c.old_value)
      RETURNING r.id
    ), placed AS (
      SELECT o.id, o.position AS new_position FROM table_columns o WHERE $10::int IS NULL AND o.id = $2
      UNION ALL
      SELECT x.id, (row_number() OVER (ORDER BY x.k) - 1)::int FROM (
        SELECT o.id, (row_number() OVER (ORDER BY o.position, o.id) - 1)::numeric AS k
        FROM table_columns o WHERE $10::int IS NOT NULL AND o.table_id = $1 AND o.id <> $2
        UNION ALL
        SELECT $2, $10::numeric - 0.5 WHERE $10::int IS NOT NULL
      ) x
    ), changed AS (
      UPDATE table_columns c
      SET name = CASE WHEN c.id = $2 THEN $6 ELSE c.name END,
          label = CASE WHEN c.id = $2 THEN $7 ELSE c.label END,
          column_type = CASE WHEN c.id = $2 THEN $8 ELSE c.column_type END,
          settings = CASE WHEN c.id = $2 THEN $9::jsonb ELSE c.settings END,
          position = p.new_position
      FROM placed p, go
      WHERE go.ok AND c.id = p.id AND c.table_id = $1 AND (c.id = $2 OR c.position <> p.new_position)
      RETURNING c.id
    ), touched AS (
      UPDATE data_tables SET updated_at = now() WHERE id = $1 AND EXISTS (SELECT 1 FROM go WHERE ok) RETURNING id
    )
    SELECT (SELECT count(*) FROM col) AS found,
           coalesce((SELECT ok FROM go), false) AS applied,
           (SELECT count(*) FROM cells WHERE jsonb_typeof(old_value) <> 'null') AS cells,
           (SELECT count(*) FROM cells c, col WHERE c.new_value IS DISTINCT FROM c.old_value) AS converted,
           (SELECT count(*) FROM moved) AS rows_changed,
           (SELECT count(*) FROM bad) AS not_converted,
           (SELECT coalesce(jsonb_agg(jsonb_build_object('row_id', b.id, 'value', b.old_value) ORDER BY b.position), '[]')
              FROM (SELECT * FROM bad ORDER BY position LIMIT $12) b) AS not_converted_cells,
           (SELECT count(*) FROM unindexed) AS unindexed,
           (SELECT coalesce(jsonb_agg(jsonb_build_object('row_id', u.id, 'value', u.old_value) ORDER BY u.position), '[]')
              FROM (SELECT * FROM unindexed ORDER BY position LIMIT $12) u) AS unindexed_cells,
           (SELECT count(*) FROM changed) + (SELECT count(*) FROM touched) AS writes
    ;
END
$fn$;

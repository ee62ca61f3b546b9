-- Live-row counts per data table, kept by the database for whoever writes rows, so that listing
-- a workspace's tables never counts a million rows. Inserts and deletes are counted once per
-- statement from transition tables (bulk writes stay one pass); archiving and restoring a row
-- are counted by a row trigger that fires only when is_archived really changes, so the scan
-- statement's counter updates never reach it.

ALTER TABLE data_tables ADD COLUMN row_count bigint NOT NULL DEFAULT 0;

UPDATE data_tables t
SET row_count = (SELECT count(*) FROM table_rows r WHERE r.table_id = t.id AND NOT r.is_archived);

CREATE FUNCTION data_tables_count_inserted_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE data_tables t SET row_count = t.row_count + n.live
  FROM (SELECT table_id, count(*) AS live FROM inserted_rows WHERE NOT is_archived GROUP BY table_id) n
  WHERE t.id = n.table_id;
  RETURN NULL;
END
$$;

CREATE TRIGGER table_rows_count_after_insert
  AFTER INSERT ON table_rows
  REFERENCING NEW TABLE AS inserted_rows
  FOR EACH STATEMENT EXECUTE FUNCTION data_tables_count_inserted_rows();

CREATE FUNCTION data_tables_count_deleted_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE data_tables t SET row_count = t.row_count - d.live
  FROM (SELECT table_id, count(*) AS live FROM deleted_rows WHERE NOT is_archived GROUP BY table_id) d
  WHERE t.id = d.table_id;
  RETURN NULL;
END
$$;

CREATE TRIGGER table_rows_count_after_delete
  AFTER DELETE ON table_rows
  REFERENCING OLD TABLE AS deleted_rows
  FOR EACH STATEMENT EXECUTE FUNCTION data_tables_count_deleted_rows();

CREATE FUNCTION data_tables_count_archive_flip() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE data_tables SET row_count = row_count + CASE WHEN NEW.is_archived THEN -1 ELSE 1 END
  WHERE id = NEW.table_id;
  RETURN NULL;
END
$$;

CREATE TRIGGER table_rows_count_after_archive_flip
  AFTER UPDATE OF is_archived ON table_rows
  FOR EACH ROW WHEN (OLD.is_archived IS DISTINCT FROM NEW.is_archived)
  EXECUTE FUNCTION data_tables_count_archive_flip();

-- Listing a workspace's tables in keyset order.
DROP INDEX data_tables_by_workspace;
CREATE INDEX data_tables_by_workspace ON data_tables (workspace_id, created_at, id);

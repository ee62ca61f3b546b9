-- matic-scan schema, version 17.2: the door's numbers follow an archived or restored row only
-- when the row was ever scanned. A row with an empty scan state has nothing to add or take away,
-- so the trigger of V17_1 no longer runs for it at all: archiving the unscanned rows of a large
-- import (archive_missing) costs nothing here.
DROP TRIGGER table_rows_counters_after_archive_flip ON table_rows;
CREATE TRIGGER table_rows_counters_after_archive_flip
  AFTER UPDATE OF is_archived ON table_rows
  FOR EACH ROW WHEN (OLD.is_archived IS DISTINCT FROM NEW.is_archived AND NEW.scan_state <> '{}'::jsonb)
  EXECUTE FUNCTION scan_counters_follow_archive_flip();
